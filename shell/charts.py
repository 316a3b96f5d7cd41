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
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from typing import Any

import streamlit as st

Spec = dict[str, Any]


def spec(build: Callable[..., Any], *args: Any, **kwargs: Any) -> Spec:
    """The Vega-Lite spec of ``build(*args, **kwargs)`` (an Altair chart), built once per
    distinct arguments. Arguments must pickle (DataFrames, numbers, strings, lists)."""
    payload = pickle.dumps((args, sorted(kwargs.items())), protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.blake2b(payload, digest_size=20).hexdigest()
    return _spec(build, f"{build.__module__}.{build.__qualname__}", digest, args, kwargs)


@st.cache_data(max_entries=1000, show_spinner=False)
def _spec(_build: Callable[..., Any], name: str, digest: str, _args, _kwargs) -> Spec:
    # Keyed by name and digest only (underscored arguments are not hashed): hashing the
    # DataFrames Streamlit's way would cost more than the digest of their pickle.
    return _vega_lite(_build(*_args, **_kwargs))


def _vega_lite(chart) -> Spec:
    """What st.altair_chart sends for ``chart``: Streamlit's own conversion (Arrow datasets,
    Streamlit's theme handling) when available, else Altair's plain dict."""
    try:
        from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec
    except ImportError:  # a Streamlit without it: the same chart, with its data inline
        return chart.to_dict()
    return _convert_altair_to_vega_lite_spec(chart)
