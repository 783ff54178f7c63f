"""Exchange rates: how this portfolio converts amounts, and its own rates beside the ECB's."""

import streamlit as st

import ui
from loaders import rates as rate_files
from loaders.problems import UnreadableFile
from portfolio import store as portfolio_store
from ui.db import unrated_currencies

ui.through_dashboard("rates")

st.title("Exchange rates")
db = ui.store()
st.caption(
    "Every amount keeps its own currency and date; figures are converted when shown. The ECB's "
    "reference rates (1999 to the date of the installed package) come with aidtrack; rates you "
    "import here take precedence for the days they cover."
)

methods = portfolio_store.FX_METHODS
current = portfolio_store.fx_method(db)
chosen = st.radio(
    "Convert each amount at",
    list(methods),
    index=list(methods).index(current),
    format_func=methods.get,
    key="fx_method",
)
if chosen != current:
    portfolio_store.set_fx_method(db, chosen)
    st.success(f"Every page now converts at {methods[chosen]}.")

summary = ui.rate_summary()
st.subheader("Rates in use")
st.dataframe(
    summary.drop(columns="yours"),
    column_config={
        "source": st.column_config.TextColumn("Source", width="large"),
        "currencies": "Currencies",
        "rates": st.column_config.NumberColumn("Rates", format="localized"),
        "first": st.column_config.DateColumn("From"),
        "last": st.column_config.DateColumn("To"),
    },
    hide_index=True,
    width="stretch",
)

# The amounts no rate converts are left out of every figure: say which currencies they are in.
unrated = unrated_currencies()
if len(unrated):
    st.warning(
        "No rate at all, so left out of every total and never counted as zero: "
        + "; ".join(
            f"{ui.literal(r.name)} ({r.currency}), {ui.count(r.amounts, 'amount')} in "
            f"{ui.count(r.projects, 'project')}"
            for r in unrated.itertuples()
        )
        + ". Import your own rates for "
        + ("it" if len(unrated) == 1 else "them")
        + " below.",
        icon=":material/currency_exchange:",
    )

st.subheader("Import your own rates")
st.caption(
    "A sheet (xlsx or csv) with a currency column, a date or month column and a rate: units of "
    "the currency for one euro ('Rate per EUR'), or euros for one unit ('EUR per unit'). A month "
    "('2024-03', 'March 2024') covers every day of the month."
)
upload = st.file_uploader("Rates", type=["xlsx", "xls", "ods", "csv", "txt"], label_visibility="collapsed")
if upload is not None:
    try:
        found = rate_files.read_rates(
            upload.getvalue(), upload.name, ui.currency_codes(), portfolio_store.user_rates(db)
        )
    except UnreadableFile as e:
        st.error(f"**Nothing was imported.** {ui.literal(e)}")
    else:
        for problem in found.problems:
            st.warning(ui.literal(str(problem)))
        st.dataframe(
            found.rates,
            column_config={
                "currency": "Currency",
                "valid_from": st.column_config.DateColumn("From"),
                "valid_to": st.column_config.DateColumn("To"),
                "per_eur": st.column_config.NumberColumn("Units per EUR", format="%.6f"),
            },
            hide_index=True,
            width="stretch",
        )
        if len(found.rates) and st.button(
            f"Use {ui.count(len(found.rates), 'rate')} from this file", type="primary"
        ):
            portfolio_store.replace_user_rates(db, found.rates, f"{upload.name} (your rates)")
            st.success(
                f"{len(found.rates):,} rates from {ui.literal(upload.name)} now take precedence over "
                "the ECB's."
            )

for source in summary.loc[summary["yours"], "source"]:
    if st.button(f"Remove the rates from {source}", key=f"remove {source}"):
        portfolio_store.remove_user_rates(db, source)
        st.rerun()
