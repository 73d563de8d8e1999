"""Every label exists in Kazakh, Russian and English: the keys the templates and pages name,
every value of every enumeration shown, and every field of every task form."""

import re
from enum import StrEnum
from pathlib import Path

import pytest

from activities.districts import load_districts
from ombudsflow.constants import LANGUAGES
from schemas.activities import NoticeKind, Recipient
from schemas.appeal import AppealChannel, AppealKind, ApplicantRelation, Verdict
from schemas.case import PoliceFinding, Stage, StepStatus
from schemas.outcomes import (
    Addressee,
    FacilityType,
    KdnDecisionKind,
    TalkParty,
)
from schemas.procedure import APPEAL_TASKS, STEPS, TASKS
from schemas.report import Category, Sex
from schemas.steps import Role, StepKind
from store.appeals import APPEAL_STAGES
from web.history import HistoryEventKind
from web.i18n import Translator, catalogue
from web.pages.forms import Repeated, build_form
from web.pages.tasks import outcome_model

ROOT = Path(__file__).parents[2]
WEB = ROOT / "web"
# A clause label as the code writes one: the Order's clauses and a code's articles.
CLAUSE_LABEL = re.compile(r'"(¶[0-9.]+(?:–¶[0-9.]+)?(?:, [A-Z]+(?: art\. \d+)?)*)"')
FILE_SUFFIXES = (".html", ".csv", ".css")  # "board.html" names a template, not a label
SHOWN_ENUMS: list[type[StrEnum]] = [
    StepStatus, Stage, PoliceFinding, Category, Role, Recipient, NoticeKind, Sex, TalkParty,
    FacilityType, KdnDecisionKind, Addressee, HistoryEventKind,
]


def named_keys() -> set[str]:
    """Keys written out in templates (``t("…")``) and in the pages' code (string literals
    that look like a key of the English catalogue)."""
    prefixes = {key.split(".")[0] for key in catalogue("en")}
    keys = set()
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("pages/*.py")]:
        for key in re.findall(r"""["']([A-Za-z_]+\.[A-Za-z0-9_.]+)["']""", path.read_text()):
            # A key ending in "." is the prefix of one built from a value ("appeal.stage."
            # ~ stage): each value's key is checked with its enumeration.
            if (key.split(".")[0] in prefixes and not key.endswith(FILE_SUFFIXES)
                    and not key.endswith(".")):
                keys.add(key)
    return keys


def form_keys() -> set[str]:
    keys = set()
    for kind in TASKS | APPEAL_TASKS:
        for f in build_form(outcome_model(kind)).fields:
            keys.add(f"field.{f.name}")
            inputs = [i for row in f.rows for i in row.inputs] if isinstance(f, Repeated) else [f]
            keys |= {f"field.{i.name}" for i in inputs}
            keys |= {key for i in inputs for _, key in i.options}
    return keys


def test_every_appeal_value_the_appeal_page_shows_has_a_label() -> None:
    wanted = {f"appeal.{prefix}.{value.value}" for prefix, enum in (
        ("kind", AppealKind), ("channel", AppealChannel), ("relation", ApplicantRelation))
        for value in enum} | {f"Verdict.{value.value}" for value in Verdict}
    wanted |= {f"appeal.stage.{stage}" for stage in APPEAL_STAGES}
    for language in LANGUAGES:
        assert sorted(wanted - set(catalogue(language))) == [], language


def test_every_language_has_the_same_keys() -> None:
    english = set(catalogue("en"))
    for language in LANGUAGES:
        assert set(catalogue(language)) == english, language


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_the_pages_show_exists(language: str) -> None:
    labels = catalogue(language)
    wanted = named_keys() | form_keys() | {
        f"{enum.__name__}.{value.value}" for enum in SHOWN_ENUMS for value in enum
    }
    assert sorted(wanted - set(labels)) == []
    assert all(labels[key].strip() for key in labels)


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_no_label_is_left_in_english(language: str) -> None:
    """Kazakh and Russian labels differ from the English ones, but for names that are the
    same everywhere (the product, languages, formats)."""
    same = {key for key, text in catalogue(language).items() if text == catalogue("en")[key]}
    assert same <= {"nav.signed_in_as", "language.kk", "language.ru", "language.en"}


def test_step_titles_region_and_district_names_come_from_the_catalogues() -> None:
    kk, ru = (Translator(language, districts=load_districts()) for language in ("kk", "ru"))
    assert kk.step(StepKind.PREVENTIVE_TALK) == "Профилактикалық әңгіме"
    assert ru.region("aktobe") == "Актюбинская область"
    assert ru.district("aktobe", "153200000") == "Алгинский район"
    assert kk.district("aktobe", "typed before districts were codes") == "аудан көрсетілмеген"
    assert Translator("xx", districts=load_districts()).language == "kk"


def clause_labels() -> set[str]:
    """Every clause label of the steps, and every one the workflows and pages write out."""
    labels = {spec.clause for spec in STEPS.values()}
    for folder in ("workflows", "web", "schemas"):
        for path in (ROOT / folder).rglob("*.py"):
            labels |= set(CLAUSE_LABEL.findall(path.read_text()))
    return labels


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_clause_label_is_read_in_the_language(language: str) -> None:
    t = Translator(language, districts=load_districts())
    labels = clause_labels()
    assert "¶6.2, APPC art. 76" in labels and "¶10–¶11" in labels
    latin = {label: t.clause(label) for label in labels
             if re.search(r"[A-Za-z]", t.clause(label))}
    assert latin == {}
    assert t.clause("¶10–¶11") == "¶10–¶11" and t.clause(None) == ""


def test_a_codes_article_reads_as_each_language_cites_it() -> None:
    kk, ru, en = (Translator(language, districts=load_districts())
                  for language in ("kk", "ru", "en"))
    assert kk.clause("¶6.2, APPC art. 76") == "¶6.2, ӘРПК 76-бап"
    assert ru.clause("¶6.2, APPC art. 64") == "¶6.2, АППК ст. 64"
    assert ru.clause("¶6.2, APPC") == "¶6.2, АППК"
    assert en.clause("¶6.2, APPC art. 76") == "¶6.2, APPC art. 76"
