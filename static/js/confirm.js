// Forms that ask first: <form data-ask="Really?"> submits only when the user confirms.
// (A listener rather than an inline onsubmit: the Content-Security-Policy allows no inline script.)
document.addEventListener("submit", (event) => {
  const ask = event.target.dataset && event.target.dataset.ask;
  if (ask && !window.confirm(ask)) {
    event.preventDefault();
  }
});
