// The survey designer: add, remove and reorder questions; names follow the order shown,
// so the server receives the questions in the order the manager sees them.
(function () {
  "use strict";
  const list = document.getElementById("questions");
  if (!list) return;

  function questions() {
    return Array.from(list.querySelectorAll("fieldset.question"));
  }

  function showOptions(fieldset) {
    const kind = fieldset.querySelector("select.kind").value;
    fieldset.querySelector("label.options").hidden = !kind.endsWith("_choice");
  }

  function renumber() {
    questions().forEach(function (fieldset, index) {
      fieldset.querySelector(".number").textContent = String(index + 1);
      fieldset.querySelectorAll("[name], [id]").forEach(function (element) {
        ["name", "id"].forEach(function (attribute) {
          const value = element.getAttribute(attribute);
          if (value) {
            element.setAttribute(attribute, value.replace(/^questions-\d+-/, "questions-" + index + "-"));
          }
        });
      });
      showOptions(fieldset);
    });
  }

  function clear(fieldset) {
    fieldset.querySelectorAll("textarea").forEach(function (area) { area.value = ""; });
    fieldset.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
  }

  document.getElementById("add-question").addEventListener("click", function () {
    const all = questions();
    const copy = all[all.length - 1].cloneNode(true);
    clear(copy);
    list.appendChild(copy);
    renumber();
    copy.querySelector("textarea").focus();
  });

  list.addEventListener("click", function (event) {
    const fieldset = event.target.closest("fieldset.question");
    if (!fieldset) return;
    if (event.target.hasAttribute("data-remove")) {
      if (questions().length > 1) fieldset.remove(); else clear(fieldset);
    } else if (event.target.dataset.move === "up" && fieldset.previousElementSibling) {
      list.insertBefore(fieldset, fieldset.previousElementSibling);
    } else if (event.target.dataset.move === "down" && fieldset.nextElementSibling) {
      list.insertBefore(fieldset.nextElementSibling, fieldset);
    } else {
      return;
    }
    renumber();
  });

  list.addEventListener("change", function (event) {
    if (event.target.matches("select.kind")) showOptions(event.target.closest("fieldset.question"));
  });

  renumber();
})();
