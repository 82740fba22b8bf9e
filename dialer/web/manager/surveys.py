"""The survey designer: ordered questions of six types; answered surveys are versioned (M3)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dialer.access import MANAGERS, roles
from dialer.domain.campaigns.surveys import (
    QuestionSpec,
    SurveyError,
    create_survey,
    current_surveys,
    is_answered,
    revise_survey,
)
from dialer.extensions import db
from dialer.models import Survey
from dialer.web.manager import messages
from dialer.web.manager.forms import SurveyForm

bp = Blueprint("surveys", __name__, url_prefix="/surveys")


@bp.route("/")
@roles(*MANAGERS)
def index() -> str:
    surveys = current_surveys(db.session)
    return render_template("surveys/list.html", surveys=surveys)


@bp.route("/new", methods=["GET", "POST"])
@roles(*MANAGERS)
def new() -> Any:
    form = SurveyForm()
    if form.validate_on_submit():
        try:
            survey = create_survey(
                db.session, form.name.data, _specs(form), form.description.data or ""
            )
        except SurveyError as error:
            db.session.rollback()
            form.form_errors.append(messages.survey_error(error))
        else:
            db.session.commit()
            flash(_("Survey saved."), "success")
            return redirect(url_for(".edit", survey_id=survey.id))
    return render_template("surveys/designer.html", form=form, survey=None, answered=False)


@bp.route("/<int:survey_id>/edit", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit(survey_id: int) -> Any:
    survey = db.get_or_404(Survey, survey_id)
    answered = is_answered(db.session, survey)
    form = SurveyForm(data=_data(survey)) if not _submitted() else SurveyForm()
    if form.validate_on_submit():
        try:
            saved = revise_survey(
                db.session, survey, form.name.data, _specs(form), form.description.data or ""
            )
        except SurveyError as error:
            db.session.rollback()
            form.form_errors.append(messages.survey_error(error))
        else:
            db.session.commit()
            if saved.id != survey.id:
                flash(
                    _(
                        "Calls already answered this survey, so your changes were saved as "
                        "version %(v)s; the answers keep the questions they were given.",
                        v=saved.version,
                    ),
                    "success",
                )
            else:
                flash(_("Survey saved."), "success")
            return redirect(url_for(".edit", survey_id=saved.id))
    return render_template("surveys/designer.html", form=form, survey=survey, answered=answered)


def _submitted() -> bool:
    return request.method == "POST"


def _data(survey: Survey) -> dict[str, Any]:
    return {
        "name": survey.name,
        "description": survey.description,
        "questions": [
            {
                "kind": q.kind,
                "text": q.text,
                "options": "\n".join(q.options or []),
                "is_required": q.is_required,
            }
            for q in survey.questions
        ],
    }


def _specs(form: SurveyForm) -> list[QuestionSpec]:
    specs = []
    for entry in form.questions.entries:
        question = entry.form
        if not (question.text.data or "").strip() and not (question.options.data or "").strip():
            continue  # an empty row the manager added and left
        specs.append(
            QuestionSpec(
                kind=question.kind.data,
                text=question.text.data or "",
                options=(question.options.data or "").splitlines(),
                is_required=bool(question.is_required.data),
            )
        )
    return specs
