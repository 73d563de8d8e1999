"""A report's documents: an XLSX workbook and a PDF with a chart, in Kazakh or Russian.

Each states its period, region and when it was generated. The PDF embeds DejaVu Sans (the copy
matplotlib ships, so the package needs nothing from the system) because the PDF core fonts
have no Kazakh letters (ә ғ қ ң ө ұ ү һ і). Only the report's figures, narrative and plan go
in: counts, clauses, district codes and staff ids, never a child's or an applicant's data.
"""

import io
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import matplotlib
import xlsxwriter
from fpdf import FPDF

from activities.texts import CATEGORIES
from ombudsflow.local_time import local_time
from schemas.districts import Districts
from schemas.report import Category
from schemas.reporting import HalfYearFigures, ReportView

matplotlib.use("Agg")  # no display in a worker
from matplotlib import pyplot  # after the backend is chosen

DOCUMENT_LANGUAGES = ("kk", "ru")
FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"

# Titles by kind: (kk, ru, en); the mail uses all three.
KIND_TITLES = {
    "half-year": ("Омбудсменнің жарты жылдық қызметі туралы ақпарат",
                  "Информация о деятельности омбудсмена за полугодие",
                  "Information on the ombudsman's activity for the half-year"),
    "annual-plan": ("Жылдық жұмыс жоспары", "Годовой план работы", "Annual work plan"),
    "briefing": ("Жарты жылдық брифинг", "Полугодовой брифинг", "Half-yearly briefing"),
    "monthly-control": ("Аудандардың ай сайынғы бақылауы", "Ежемесячный контроль районов",
                        "Monthly control of the districts"),
}
# Labels by language: (kk, ru).
LABELS: dict[str, tuple[str, str]] = {
    "region": ("Өңір", "Регион"),
    "period": ("Кезең", "Период"),
    "generated": ("Жасалған уақыты", "Сформирован"),
    "status": ("Мәртебесі", "Статус"),
    "figure": ("Көрсеткіш", "Показатель"),
    "value": ("Мәні", "Значение"),
    "by_category": ("Санаттар бойынша хабарламалар", "Сообщения по категориям"),
    "by_channel": ("Арналар бойынша хабарламалар", "Сообщения по каналам"),
    "by_district": ("Аудандар бойынша хабарламалар", "Сообщения по районам"),
    "on_time": ("Мерзімінде орындалған қадамдар (тармақ: орындалды / мерзімінде)",
                "Шаги, выполненные в срок (пункт: выполнено / в срок)"),
    "reports_received": ("Түскен хабарламалар", "Поступило сообщений"),
    "first_notice_median_seconds": ("¶10.1 алғашқы хабарламаға дейін, медиана (сек.)",
                                    "¶10.1 до первого уведомления, медиана (сек.)"),
    "first_notice_p90_seconds": ("¶10.1 алғашқы хабарламаға дейін, 90-процентиль (сек.)",
                                 "¶10.1 до первого уведомления, 90-й процентиль (сек.)"),
    "police_confirmations": ("¶11 полиция растаған фактілер", "¶11 факты подтверждены полицией"),
    "police_refusals": ("¶11 полиция растамаған фактілер", "¶11 факты не подтверждены"),
    "safe_placements": ("¶11.7 қауіпсіз орналастыру", "¶11.7 безопасные размещения"),
    "kdn_decisions": ("¶11.7 КДН шешімдері", "¶11.7 решения КДН"),
    "rehabilitation_plans_opened": ("¶11.3 ашылған оңалту жоспарлары",
                                    "¶11.3 открыто планов реабилитации"),
    "rehabilitation_plans_completed": ("¶11.3 аяқталған оңалту жоспарлары",
                                       "¶11.3 завершено планов реабилитации"),
    "recommendations_sent": ("¶11.6 жіберілген ұсынымдар", "¶11.6 направлено рекомендаций"),
    "publications": ("¶11.1 жарияланымдар", "¶11.1 публикации"),
    "cases_open_at_end": ("Кезең соңында ашық істер", "Открытых дел на конец периода"),
    "appeals_received": ("¶6.2 түскен өтініштер", "¶6.2 поступило обращений"),
    "appeals_answered_on_time": ("¶6.2 мерзімінде жауап берілген өтініштер",
                                 "¶6.2 обращений с ответом в срок"),
    "narrative": ("Баяндау бөлімдері", "Разделы пояснительной записки"),
    "plan": ("Жоспар тармақтары", "Пункты плана"),
    "districts": ("Аудандар бойынша бақылау", "Контроль по районам"),
    "control_columns": ("Аудан; кеш тіркелген; мерзімі өткен міндеттер; қаралмаған жоспарлар; "
                        "әңгімесіз хабарламалар",
                        "Район; зарегистрировано поздно; просрочено задач; планы не "
                        "пересмотрены; сообщений без беседы"),
}


def _label(key: str, language: str) -> str:
    return LABELS[key][DOCUMENT_LANGUAGES.index(language)]


def _heading(view: ReportView, language: str, generated_at: datetime) -> list[str]:
    """The lines every document opens with: what, where, for when, generated when."""
    return [
        f"{view.clause} {KIND_TITLES[view.kind.value][DOCUMENT_LANGUAGES.index(language)]}",
        f"{_label('region', language)}: {view.region.name_in(language)}",
        f"{_label('period', language)}: {view.period.start:%d.%m.%Y} – "
        f"{view.period.end:%d.%m.%Y} ({view.period.label})",
        f"{_label('generated', language)}: {local_time(generated_at)}",
    ]


def _category(key: str, language: str) -> str:
    return CATEGORIES[Category(key)].in_language(language)


def _figure_rows(figures: HalfYearFigures, language: str, district: Callable[[str], str]
                 ) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [(_label("reports_received", language),
                                       figures.reports_received)]
    for name in ("first_notice_median_seconds", "first_notice_p90_seconds",
                 "police_confirmations", "police_refusals", "safe_placements", "kdn_decisions",
                 "rehabilitation_plans_opened", "rehabilitation_plans_completed",
                 "recommendations_sent", "publications", "cases_open_at_end"):
        value = getattr(figures, name)
        rows.append((_label(name, language), "—" if value is None else value))
    rows += [(_label("appeals_received", language), figures.appeals.received),
             (_label("appeals_answered_on_time", language), figures.appeals.answered_on_time)]
    rows += [(f"{_label('by_category', language)}: {_category(c.key, language)}", c.count)
             for c in figures.reports_by_category]
    rows += [(f"{_label('by_channel', language)}: {c.key}", c.count)
             for c in figures.reports_by_channel]
    rows += [(f"{_label('by_district', language)}: {district(c.key)}", c.count)
             for c in figures.reports_by_district]
    rows += [(f"{_label('on_time', language)}: {o.clause}", f"{o.done} / {o.on_time}")
             for o in figures.steps_on_time]
    return rows


def _body_rows(view: ReportView, language: str, districts: Districts
               ) -> list[tuple[str, object]]:
    def district(code: str) -> str:
        return districts.name_in(view.region, code, language)

    rows = _figure_rows(view.figures, language, district) if view.figures else []
    rows += [(f"{_label('narrative', language)}: {s.value}", text)
             for s, text in view.narrative.items()]
    rows += [(f"{_label('plan', language)} Q{i.quarter} {i.clause}",
              f"{i.activity} — {i.responsible} — {i.expected_result}") for i in view.plan]
    if view.control:
        rows += [(district(d.district), f"{d.alarms_registered_late}; {len(d.tasks_overdue)}; "
                  f"{d.plans_not_reviewed_on_time}; {d.reports_without_preventive_talk}")
                 for d in view.control.districts]
    return rows


def report_rows(view: ReportView, language: str, districts: Districts
                ) -> list[tuple[str, object]]:
    """What every document lists after its heading, label and value, for a page to show."""
    return _body_rows(view, language, districts)


def xlsx_of(view: ReportView, language: str, generated_at: datetime, *,
            districts: Districts) -> bytes:
    """The report as a workbook; constant-memory mode writes rows as they come (a district
    control of a large region has many), so it goes through a temporary file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.xlsx"
        book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        sheet = book.add_worksheet(view.period.label)
        bold = book.add_format({"bold": True})
        sheet.set_column(0, 0, 70)
        sheet.set_column(1, 1, 40)
        row = 0
        for line in _heading(view, language, generated_at):
            sheet.write(row, 0, line, bold if row == 0 else None)
            row += 1
        row += 1
        sheet.write_row(row, 0, (_label("figure", language), _label("value", language)), bold)
        for label, value in _body_rows(view, language, districts):
            row += 1
            sheet.write_row(row, 0, (label, value if isinstance(value, int | float)
                                     else str(value)))
        book.close()
        return path.read_bytes()


def pdf_of(view: ReportView, language: str, generated_at: datetime, *,
           districts: Districts) -> bytes:
    """The report as a PDF with DejaVu Sans embedded and, for ¶8, a chart of the reports by
    category."""
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=10)
    pdf.add_page()
    for i, line in enumerate(_heading(view, language, generated_at)):
        pdf.set_font_size(14 if i == 0 else 10)
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if view.figures and view.figures.reports_by_category:
        pdf.image(_chart(view.figures, language), w=170)
    if view.control:
        pdf.multi_cell(0, 6, _label("control_columns", language), new_x="LMARGIN",
                       new_y="NEXT")
    pdf.set_font_size(9)
    for label, value in _body_rows(view, language, districts):
        pdf.multi_cell(0, 5, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _chart(figures: HalfYearFigures, language: str) -> io.BytesIO:
    figure, axes = pyplot.subplots(figsize=(8, 3.2))
    try:
        counts = figures.reports_by_category
        axes.barh([_category(c.key, language) for c in counts], [c.count for c in counts],
                  color="#2f6f8f")
        axes.set_title(_label("by_category", language))
        figure.tight_layout()
        image = io.BytesIO()
        figure.savefig(image, format="png", dpi=120)
    finally:
        pyplot.close(figure)
    image.seek(0)
    return image
