"""Altair charts drawn from a cached Vega-Lite spec.

Building an Altair chart and turning it into Vega-Lite (``st.altair_chart`` validates the
whole spec against Vega-Lite's JSON schema and serialises its data) costs 20–60 ms per chart,
on every run of every session, for charts whose data rarely changes. ``spec(build, *args)``
builds ``build(*args)`` once per distinct input and keeps the finished spec (data already in
Arrow, exactly what ``st.altair_chart`` would send); ``st.vega_lite_chart(spec, ...)`` then
draws it for the price of copying it. The key is a digest of the arguments themselves, so a
chart can never show stale data: new data is a new key.

    st.vega_lite_chart(charts.spec(forecast_chart, frame), width="stretch")

The chart functions in components/charts.py stay pure (DataFrame -> alt.Chart) and are still
tested through ``chart.to_dict()``.

Charts carry translated text (axis, legend and tooltip titles, labels drawn in the chart), so
the cache is keyed by the language too (``core.i18n.current_language()``), and a spec drawn in
another language than English gets a Vega locale: its numbers (1.234,5) and the month and day
names of its date formats ("%d %b") read as that language writes them.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from typing import Any

from babel import Locale, dates

from core.i18n import DEFAULT_LANGUAGE, current_language
from shell.memo import Memo

Spec = dict[str, Any]


def spec(build: Callable[..., Any], *args: Any, **kwargs: Any) -> Spec:
    """The Vega-Lite spec of ``build(*args, **kwargs)`` (an Altair chart), built once per
    distinct arguments. Arguments must pickle (DataFrames, numbers, strings, lists)."""
    payload = pickle.dumps((args, sorted(kwargs.items())), protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.blake2b(payload, digest_size=20).hexdigest()
    name = f"{build.__module__}.{build.__qualname__}"
    # A copy of the top level: Streamlit moves the datasets out of the dict it is given
    # (a copy of its own, today); the nested parts are only read. The language is part of the
    # key because the chart's titles and labels are translated as it is built.
    language = current_language()
    return dict(
        _specs.get(
            f"{name}|{digest}|{language}",
            lambda: _localised(_vega_lite(build(*args, **kwargs)), language),
        )
    )


# Kept as objects (not pickled and unpickled on every hit, as st.cache_data would).
_specs = Memo(1000)


def clear() -> None:
    _specs.clear()


def _localised(spec: Spec, language: str) -> Spec:
    """The spec with the language's number and date formatting (English needs none)."""
    if language == DEFAULT_LANGUAGE:
        return spec
    config = dict(spec.get("config") or {})
    config["locale"] = vega_locale(language)
    return {**spec, "config": config}


def vega_locale(language: str) -> dict[str, Any]:
    """Vega's number and time format locale for a language, from Babel's CLDR data."""
    locale = Locale.parse(language)
    symbols = locale.number_symbols["latn"]
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # Babel counts from Monday, Vega from Sunday

    def days(width: str) -> list[str]:
        names = dates.get_day_names(width, locale=locale)
        return [names[day] for day in sunday_first]

    def months(width: str) -> list[str]:
        names = dates.get_month_names(width, locale=locale)
        return [names[month] for month in range(1, 13)]

    periods = locale.day_periods["format"]["abbreviated"]
    return {
        "number": {
            "decimal": symbols["decimal"],
            "thousands": symbols["group"],
            "grouping": [3],
            "currency": ["", ""],
            "percent": "%",
        },
        "time": {
            "dateTime": "%x %X",
            "date": "%d/%m/%Y",
            "time": "%H:%M:%S",
            "periods": [periods["am"], periods["pm"]],
            "days": days("wide"),
            "shortDays": days("abbreviated"),
            "months": months("wide"),
            "shortMonths": months("abbreviated"),
        },
    }


def _vega_lite(chart) -> Spec:
    """What st.altair_chart sends for ``chart``: Streamlit's own conversion (Arrow datasets,
    Streamlit's theme handling) when available, else Altair's plain dict."""
    try:
        from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
    except ImportError:  # a Streamlit without it: the same chart, with its data inline
        return chart.to_dict()
    return _convert_altair_to_vega_lite_spec(chart)
