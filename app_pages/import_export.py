"""Import & export (admins only): download a cycle, or everything, as Excel or as CSV files;
import objectives and key results from the template — a preview shows every row's problem,
and the import (all or nothing) is possible only once every row is valid."""

import re
from datetime import date

import pandas as pd
import streamlit as st

from core.enums import Role
from core.errors import ValidationError
from core.i18n import _, ngettext
from core.text import md, md_block, md_format, md_join
from db import exchange
from db.commands import imports
from shell import store
from shell.context import current_cycle, current_user

user = current_user()
if user.role != Role.ADMIN:  # the navigation never offers it; this is the second lock
    st.error(_("Only admins can import and export OKRs."))
    st.stop()
actor = user.actor
cycle = current_cycle()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERROR_ROW = "background-color: #fdecea"
SHOWN = 8  # problems listed in full above the preview


def file_stem(cycle_id: int | None) -> str:
    scope = re.sub(r"[^\w-]+", "-", cycle.name).strip("-") if cycle_id else "all"
    return f"okrs-{scope or f'cycle-{cycle_id}'}-{date.today():%Y-%m-%d}"


def export_section() -> None:
    st.subheader(_("Export"))
    scopes = {"all": _("Everything (all cycles)")}
    if cycle:
        scopes = {"cycle": _("The cycle {name}").format(name=cycle.name), **scopes}
    scope = st.radio(
        _("What to export"),
        list(scopes),
        format_func=lambda code: md(scopes[code]),  # the cycle's name, as typed
        key="import_export.scope",
    )
    cycle_id = cycle.id if scope == "cycle" else None
    excel, csv_zip, _rest = st.columns([1, 1, 2])
    excel.download_button(
        _("Excel workbook (.xlsx)"),
        data=lambda: store.read(exchange.export_xlsx, actor, cycle_id),
        file_name=f"{file_stem(cycle_id)}.xlsx",
        mime=XLSX,
        icon=":material/download:",
        key="import_export.xlsx",
        on_click="ignore",
        width="stretch",
    )
    csv_zip.download_button(
        _("CSV files (.zip)"),
        data=lambda: store.read(exchange.export_csv_zip, actor, cycle_id),
        file_name=f"{file_stem(cycle_id)}-csv.zip",
        mime="application/zip",
        icon=":material/download:",
        key="import_export.csv",
        on_click="ignore",
        width="stretch",
    )
    st.caption(
        _(
            "One sheet (or CSV file) each for teams, people, cycles, objectives, key results, "
            "check-ins and kudos, plus “okrs”: the objectives and key results in the import "
            "format. People are exported without passwords. Times are in UTC. For a large "
            "organisation the Excel workbook can take a few minutes; the CSV files are quicker."
        )
    )


def template_help() -> None:
    st.markdown(
        _(
            "One row per objective and one per key result. Each objective has a **ref** "
            "(e.g. O1); its key results repeat that ref. A **parent** is the ref of another "
            "objective in the file, or the title of an objective already in the cycle. Imported "
            "objectives are drafts unless the **state** column says active, closed or archived."
        )
    )
    template_xlsx, template_csv, _rest = st.columns([1, 1, 2])
    template_xlsx.download_button(
        _("Template (.xlsx)"),
        data=exchange.template_xlsx,
        file_name="okr-import-template.xlsx",
        mime=XLSX,
        icon=":material/description:",
        key="import_export.template_xlsx",
        on_click="ignore",
        width="stretch",
    )
    template_csv.download_button(
        _("Template (.csv)"),
        data=exchange.template_csv,
        file_name="okr-import-template.csv",
        mime="text/csv",
        icon=":material/description:",
        key="import_export.template_csv",
        on_click="ignore",
        width="stretch",
    )
    with st.expander(_("Columns and allowed values")):
        st.markdown(
            # TRANSLATORS: a markdown table. The first column's names (type, ref, …) and the
            # values in the file (objective, key_result, company, draft, increase, …) are what
            # the file must contain: keep them in English.
            _(
                "| Column | Objective rows | Key result rows |\n"
                "|---|---|---|\n"
                "| type | objective | key_result |\n"
                "| ref | unique in the file, e.g. O1 | the ref of its objective |\n"
                "| cycle | the cycle's name (not a closed cycle) | — |\n"
                "| level | company, team or individual | — |\n"
                "| team | the team's name (required for team objectives) | — |\n"
                "| owner | a username | a username (empty: the objective's owner) |\n"
                "| title | required | required |\n"
                "| description | optional | — |\n"
                "| parent | a ref in the file, or an existing objective's title | — |\n"
                "| state | draft (default), active, closed or archived | — |\n"
                "| kind | — | increase, decrease, stay_above, stay_below or milestone |\n"
                "| unit | — | number (default), percent, currency or text |\n"
                "| currency_code | — | e.g. VND or USD, when the unit is currency |\n"
                "| unit_label | — | e.g. days, when the unit is text |\n"
                "| start, target | — | numbers; a stay_above/stay_below target is its threshold |\n"
                "| weight | — | greater than 0 (default 1) |"
            )
        )


def check_file(acting, data: bytes, name: str) -> tuple[pd.DataFrame, imports.ImportCheck]:
    """Read the upload (refused early if too big or oddly shaped) and check every row with
    reads only, so no one's writes wait for the preview (cached per file and data version,
    so reruns do not repeat it)."""
    table = exchange.read_table(data, name)
    return table, store.read(imports.check_import, acting, table)


def preview_table(table: pd.DataFrame, errors: dict[int, str], only_errors: bool):
    """The file's rows and used columns; with errors, a "problem" column and failing rows
    highlighted."""
    used = [c for c in exchange.COLUMNS if (table[c] != "").any()]
    if not errors:
        return table[["row", *used]]
    frame = table.assign(problem=table["row"].map(lambda row: errors.get(row, "")))
    if only_errors:
        frame = frame[frame["problem"] != ""]
    frame = frame[["row", "problem", *used]]
    return frame.style.apply(lambda row: [ERROR_ROW if row["problem"] else ""] * len(row), axis=1)


def error_summary(errors: dict[int, str], rows: int) -> None:
    """How many rows fail, and the first few problems in full (the table cuts long ones)."""
    count = len(errors)
    listed = md_join(
        "\n",
        (
            md_format(_("- Row {row}: {problem}"), row=row, problem=problem)
            for row, problem in list(errors.items())[:SHOWN]
        ),
    )
    summary = ngettext(
        "{count} of {rows} rows has an error, so nothing can be imported yet. Fix the file "
        "and upload it again.",
        "{count} of {rows} rows have errors, so nothing can be imported yet. Fix the file "
        "and upload it again.",
        count,
    ).format(count=count, rows=rows)
    parts = [summary, listed]
    if count > SHOWN:
        parts.append(
            ngettext(
                "…and {count} more in the table below.",
                "…and {count} more in the table below.",
                count - SHOWN,
            ).format(count=count - SHOWN)
        )
    st.error(md_join("\n\n", parts), icon=":material/error:")


def import_section() -> None:
    st.subheader(_("Import objectives and key results"))
    template_help()
    done = st.session_state.pop("import_export.done", None)
    if done:  # said after the rerun: a toast just before st.rerun() is not reliably shown
        st.success(md(done), icon=":material/check_circle:")
    nonce = st.session_state.get("import_export.nonce", 0)
    upload = st.file_uploader(
        _("Upload a CSV or Excel file"),
        type=["csv", "xlsx"],
        key=f"import_export.upload.{nonce}",
    )
    if upload is None:
        return
    try:
        table, check = store.derived(check_file, actor, upload.getvalue(), upload.name)
    except ValidationError as error:
        st.error(md_block(str(error)), icon=":material/error:")
        return
    n, m = check.objectives, check.key_results
    objectives = ngettext("{count} objective", "{count} objectives", n).format(count=n)
    key_results = ngettext("{count} key result", "{count} key results", m).format(count=m)
    if check.errors:
        error_summary(check.errors, len(table))
    else:
        st.success(
            md_format(
                ngettext(
                    "All {rows} rows are valid: {objectives} and {key_results}.",
                    "All {rows} rows are valid: {objectives} and {key_results}.",
                    len(table),
                ),
                rows=len(table),
                objectives=objectives,
                key_results=key_results,
            )
        )
    only_errors = bool(check.errors) and st.toggle(
        _("Show only rows with errors"), key="import_export.only_errors"
    )
    st.dataframe(
        preview_table(table, check.errors, only_errors),
        hide_index=True,
        width="stretch",
        column_config={
            "row": st.column_config.NumberColumn(_("Row"), format="%d", width="small", pinned=True),
            "problem": st.column_config.TextColumn(_("Problem"), width="large"),
        },
    )
    if st.button(
        md_format(
            _("Import {objectives} and {key_results}"),
            objectives=objectives,
            key_results=key_results,
        ),
        type="primary",
        disabled=bool(check.errors),
        key="import_export.import",
    ) and store.write(imports.import_okrs, actor, table):
        st.session_state["import_export.nonce"] = nonce + 1  # a new, empty uploader
        st.session_state["import_export.done"] = _(
            "Imported {objectives} and {key_results}."
        ).format(objectives=objectives, key_results=key_results)
        st.rerun()


st.title(_("Import & export"))
export_section()
st.divider()
import_section()
