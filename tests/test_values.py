"""Cell values as programme managers write them: amounts, dates, lists of names, shares."""

import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from loaders.values import (
    Amount,
    ParsedDate,
    infer_date_order,
    is_blank,
    parse_amount,
    parse_date,
    parse_period,
    parse_share,
    split_cell,
)

ROOT = Path(__file__).resolve().parents[1]
D = Decimal


# ---------------------------------------------------------------------------------------
# Amounts


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (1000000.0, D("1000000.00")),
        (0.1 + 0.2, D("0.30")),
        (1234.565, D("1234.57")),  # as Excel shows it, not as the binary float is
        (250000, D("250000.00")),
        (-1500.5, D("-1500.50")),
        (D("12.345"), D("12.35")),
    ],
)
def test_numbers_from_excel_are_exact_to_the_cent(cell, value):
    amount = parse_amount(cell)
    assert amount == Amount(value, None)
    assert isinstance(amount.value, Decimal)


@pytest.mark.parametrize(
    ("cell", "value", "currency"),
    [
        ("EUR 1 million", D("1000000"), "EUR"),
        ("1.000.000,00", D("1000000"), None),
        ("2,400,000.00", D("2400000"), None),
        ("$250k", D("250000"), "USD"),
        ("CHF 750'000", D("750000"), "CHF"),
        ("€ 2.5m", D("2500000"), "EUR"),
        ("1.2 mn", D("1200000"), None),
        ("USD 3 bn", D("3000000000"), "USD"),
        ("GBP 1,500", D("1500"), "GBP"),
        ("1 500 000", D("1500000"), None),
        ("1\u00a0500\u00a0000", D("1500000"), None),
        ("1\u2009500\u202f000", D("1500000"), None),
        ("1,000,000 EUR", D("1000000"), "EUR"),
        ("(1,000)", D("-1000"), None),
        ("(EUR 1,000)", D("-1000"), "EUR"),
        ("-500", D("-500"), None),
        ("-€500", D("-500"), "EUR"),
        ("1,5 Mio.", D("1500000"), None),
        ("2 Mio EUR", D("2000000"), "EUR"),
        ("250 000,50", D("250000.50"), None),
        ("US$ 5,000", D("5000"), "USD"),
        ("£12", D("12"), "GBP"),
        ("¥ 300", D("300"), "JPY"),
        ("Fr. 100", D("100"), "CHF"),
        ("SEK 10 000", D("10000"), "SEK"),
        ("3 thousand", D("3000"), None),
        ("2 millions", D("2000000"), None),
        ("4 mln", D("4000000"), None),
        ("1.5 billion", D("1500000000"), None),
        ("2b", D("2000000000"), None),
        ("5 K", D("5000"), None),
        ("1e6", D("1000000"), None),
        ("  42  ", D("42"), None),
        ("EUR 250.000,-", D("250000"), "EUR"),  # no cents, as in Germany and Austria
        ("250.000,- €", D("250000"), "EUR"),
    ],
)
def test_amounts_written_as_text(cell, value, currency):
    assert parse_amount(cell) == Amount(value.quantize(D("0.01")), currency)


@pytest.mark.parametrize(
    ("cell", "decimal_comma", "value"),
    [
        ("1.000.000,00", None, D("1000000.00")),
        ("1,000,000.00", None, D("1000000.00")),
        ("1.000", None, D("1000.00")),
        ("1,000", None, D("1000.00")),
        ("1,5", None, D("1.50")),
        ("12,50", None, D("12.50")),
        ("0,500", None, D("0.50")),  # a leading zero is never a thousands group
        ("1,5", True, D("1.50")),
        ("1.000", True, D("1000.00")),
        ("1,000", True, D("1.00")),
        ("1.000", False, D("1.00")),
        ("1,000", False, D("1000.00")),
        ("1,000,000.00", True, D("1000000.00")),  # a cell that settles it itself wins
    ],
)
def test_decimal_comma_or_point_is_decided_per_cell(cell, decimal_comma, value):
    assert parse_amount(cell, decimal_comma=decimal_comma).value == value


def test_the_currency_in_the_cell_wins_over_the_columns():
    assert parse_amount("USD 100", currency="EUR").currency == "USD"
    assert parse_amount("100", currency="EUR").currency == "EUR"
    assert parse_amount(100.0, currency="CHF").currency == "CHF"
    assert parse_amount("100").currency is None


@pytest.mark.parametrize(
    "cell", ["tbc", "TBD", "n/a", "N/A", "-", "–", "?", "unknown", "pending", "none", "EUR tbc"]
)
def test_placeholders_are_kept_as_not_known_never_zero(cell):
    amount = parse_amount(cell)
    assert amount.value is None
    assert not amount.blank
    assert amount.problem == (
        f"'{cell}' is not an amount; write a number such as 250000 or 'EUR 250,000'. Stored as not known."
    )


@pytest.mark.parametrize("cell", [None, "", "   ", "\u00a0", float("nan")])
def test_blank_amounts_are_blank_without_a_problem(cell):
    assert parse_amount(cell, currency="EUR") == Amount(None, None, None, blank=True)


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        (
            "about a million",
            "'about a million' is not an amount; write a number such as 250000 or 'EUR 250,000'.",
        ),
        ("1 5", "'1 5' is not an amount; write a number such as 250000 or 'EUR 250,000'."),
        ("80%", "'80%' is not an amount; write a number such as 250000 or 'EUR 250,000'."),
        ("XYZ 100", "'XYZ 100': XYZ is not a currency code; write an ISO 4217 code such as EUR or USD."),
        ("EUR 5 USD", "'EUR 5 USD' names two currencies (EUR and USD); write one amount in one currency."),
        (True, "TRUE is not an amount; write a number such as 250000 or 'EUR 250,000'."),
        (
            dt.date(2019, 1, 15),
            "'2019-01-15' is a date, not an amount; write a number such as 250000 or 'EUR 250,000'.",
        ),
        (1e30, "'1E+30' is too large to be an amount; write a number such as 250000 or 'EUR 250,000'."),
    ],
)
def test_what_is_not_an_amount_says_so(cell, problem):
    amount = parse_amount(cell)
    assert amount.value is None
    assert amount.problem == problem


def test_long_text_is_quoted_cut_to_sixty_characters():
    problem = parse_amount("see the financing agreement annex " * 5).problem
    quoted = problem.split("'")[1]
    assert len(quoted) == 60
    assert quoted.endswith("…")


# ---------------------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        (dt.date(2019, 1, 15), dt.date(2019, 1, 15)),
        (dt.datetime(2019, 1, 15, 17, 30), dt.date(2019, 1, 15)),
        (43466, dt.date(2019, 1, 1)),  # an Excel serial number
        (43466.75, dt.date(2019, 1, 1)),
        (2018, dt.date(2018, 1, 1)),  # a year, not serial 2018
        (2018.0, dt.date(2018, 1, 1)),
        ("2019-01-15", dt.date(2019, 1, 15)),
        ("2018-06-29T00:00:00Z", dt.date(2018, 6, 29)),
        ("2019-01-15 00:00:00", dt.date(2019, 1, 15)),
        ("01.03.2017", dt.date(2017, 3, 1)),
        ("28/02/2019", dt.date(2019, 2, 28)),
        ("28-02-2019", dt.date(2019, 2, 28)),
        ("9/30/2022 12:00:00 AM", dt.date(2022, 9, 30)),
        ("June 2018", dt.date(2018, 6, 1)),
        ("Jun 2018", dt.date(2018, 6, 1)),
        ("15 June 2018", dt.date(2018, 6, 15)),
        ("June 15, 2018", dt.date(2018, 6, 15)),
        ("15-Jun-2018", dt.date(2018, 6, 15)),
        ("15-jun-18", dt.date(2018, 6, 15)),
        ("Sept. 5, 2019", dt.date(2019, 9, 5)),
        ("1st of June 2018", dt.date(2018, 6, 1)),
        ("Monday, 15 June 2018", dt.date(2018, 6, 15)),
        ("Jun-18", dt.date(2018, 6, 1)),
        ("2018", dt.date(2018, 1, 1)),
        ("2018-06", dt.date(2018, 6, 1)),
        ("06/2018", dt.date(2018, 6, 1)),
        ("Q3 2019", dt.date(2019, 7, 1)),
        ("2019/01/15", dt.date(2019, 1, 15)),
        ("20190115", dt.date(2019, 1, 15)),
        ("29/02/2020", dt.date(2020, 2, 29)),
        ("05/05/2017", dt.date(2017, 5, 5)),  # day and month agree: nothing to settle
        ("31.12.2019.", dt.date(2019, 12, 31)),  # the closing dot of Serbian, Croatian, Bosnian dates
        ("1. 3. 2017", dt.date(2017, 3, 1)),
        ("31. 12. 2019.", dt.date(2019, 12, 31)),
    ],
)
def test_dates_as_people_write_them(cell, value):
    assert parse_date(cell) == ParsedDate(value)


@pytest.mark.parametrize(
    ("cell", "value"),
    [("3/4/17", dt.date(2017, 4, 3)), ("1/1/00", dt.date(2000, 1, 1)), ("31/12/69", dt.date(2069, 12, 31))]
    + [("31/12/70", dt.date(1970, 12, 31)), ("1/1/99", dt.date(1999, 1, 1))],
)
def test_two_digit_years_before_70_are_this_century(cell, value):
    assert parse_date(cell).value == value


@pytest.mark.parametrize(
    ("cell", "start", "end"),
    [
        ("June 2018", dt.date(2018, 6, 1), dt.date(2018, 6, 30)),
        ("Feb 2020", dt.date(2020, 2, 1), dt.date(2020, 2, 29)),
        ("2018", dt.date(2018, 1, 1), dt.date(2018, 12, 31)),
        (2018, dt.date(2018, 1, 1), dt.date(2018, 12, 31)),
        ("Q1 2019", dt.date(2019, 1, 1), dt.date(2019, 3, 31)),
        ("15 June 2018", dt.date(2018, 6, 15), dt.date(2018, 6, 15)),
    ],
)
def test_a_month_or_year_alone_is_its_first_or_last_day(cell, start, end):
    assert parse_date(cell).value == start
    assert parse_date(cell, end=True).value == end


def test_day_or_month_first_is_a_guess_when_nothing_settles_it():
    assert parse_date("03/04/2017") == ParsedDate(
        dt.date(2017, 4, 3),
        "'03/04/2017' could be 3 April 2017 or 4 March 2017; read as 3 April 2017. "
        "Write dates as 2017-04-03 to be sure.",
        ambiguous=True,
    )


@pytest.mark.parametrize(
    ("cell", "order", "value"),
    [
        ("03/04/2017", "dmy", dt.date(2017, 4, 3)),
        ("03/04/2017", "mdy", dt.date(2017, 3, 4)),
        ("28/02/2019", "mdy", dt.date(2019, 2, 28)),  # the cell settles it whatever the column says
        ("9/30/2022", "dmy", dt.date(2022, 9, 30)),
    ],
)
def test_the_columns_date_order_settles_ambiguous_cells(cell, order, value):
    assert parse_date(cell, order=order) == ParsedDate(value)


def test_dotted_dates_are_day_first_without_a_warning():
    assert parse_date("01.03.2017") == ParsedDate(dt.date(2017, 3, 1))


@pytest.mark.parametrize(
    ("cells", "order"),
    [
        (["28/02/2019", "03/04/2017", None, 43466, dt.date(2019, 1, 1)], "dmy"),
        (["9/30/2022 12:00:00 AM", "3/4/2017"], "mdy"),
        (["28/02/2019", "9/30/2022"], None),  # contradicts itself
        (["03/04/2017", "2019-01-15", "June 2018"], None),  # nothing settles it
        ([], None),
    ],
)
def test_a_columns_date_order_comes_from_its_unambiguous_cells(cells, order):
    assert infer_date_order(cells) == order


WRITE_ISO = "Write dates as year-month-day, e.g. 2019-01-15."
PLAUSIBLE = "is not a plausible project date; write a year between 1950 and 2100."
EXAMPLE = "write a date such as 2019-01-15."


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("31/02/2019", f"'31/02/2019' is not a date: February 2019 has 28 days, not 31. {WRITE_ISO}"),
        ("29/02/2019", f"'29/02/2019' is not a date: February 2019 has 28 days, not 29. {WRITE_ISO}"),
        ("2019-13-01", f"'2019-13-01' is not a date: there is no month 13. {WRITE_ISO}"),
        ("9999-01-01", f"'9999-01-01': the year 9999 {PLAUSIBLE}"),
        ("1899", f"'1899': the year 1899 {PLAUSIBLE}"),
        (dt.date(1900, 1, 1), f"'1900-01-01': the year 1900 {PLAUSIBLE}"),
        (100, f"'100' read as an Excel date is 9 April 1900, not a plausible project date; {EXAMPLE}"),
        (0, f"'0' is not a date; {EXAMPLE}"),
        (-3, f"'-3' is not a date; {EXAMPLE}"),
        (3000000, f"'3000000' is not a date; {EXAMPLE}"),
        ("next spring", f"'next spring' is not a date; {EXAMPLE}"),
        (dt.time(12, 0), f"'12:00:00' is a time of day, not a date; {EXAMPLE}"),
        (True, f"TRUE is not a date; {EXAMPLE}"),
    ],
)
def test_impossible_and_implausible_dates_say_why(cell, problem):
    assert parse_date(cell) == ParsedDate(None, problem)


@pytest.mark.parametrize("cell", [None, "", "  ", float("nan")])
def test_blank_dates_are_blank_without_a_problem(cell):
    assert parse_date(cell) == ParsedDate(None, blank=True)


@pytest.mark.parametrize(
    "cell",
    ["", "(", ")", "((1))", "1,2,3", "€€", "EUR EUR", "--1", "1e999", "Q5 2019", "00/00/0000", "2019-02-30T",
     "\x00", "9" * 400, float("inf"), float("-inf"), object(), [], b"bytes", dt.timedelta(days=1)],
)  # fmt: skip
def test_odd_input_never_raises(cell):
    assert isinstance(parse_amount(cell), Amount)
    assert isinstance(parse_date(cell), ParsedDate)
    assert isinstance(split_cell(cell), list)
    infer_date_order([cell])


# ---------------------------------------------------------------------------------------
# Lists and shares


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("UNDP|Norway", ["UNDP", "Norway"]),
        ("United Nations; Norway", ["United Nations", "Norway"]),
        ("EU\nGermany\r\nSweden", ["EU", "Germany", "Sweden"]),
        ("EU, Germany", ["EU", "Germany"]),
        ("EU/Germany", ["EU", "Germany"]),
        ("Bill & Melinda Gates Foundation", ["Bill & Melinda Gates Foundation"]),
        ("Serbia and Montenegro", ["Serbia and Montenegro"]),  # no 'and' split without a list of names
        ("EU (80,5%), DE (19,5%)", ["EU (80,5%)", "DE (19,5%)"]),  # no split inside brackets
        ("Unspecified; N/a; Serbia; -; tbc", ["Serbia"]),
        ("Serbia, n/a", ["Serbia"]),
        ("EU; Germany; eu ;  EU", ["EU", "Germany"]),
        ("  Serbia  ", ["Serbia"]),
        (89, ["89"]),
        (None, []),
        ("   ", []),
    ],
)
def test_a_cell_splits_into_names(cell, names):
    assert split_cell(cell) == names


KNOWN = {
    "bosnia and herzegovina",
    "trinidad and tobago",
    "bill & melinda gates foundation",
    "serbia",
    "montenegro",
    "eu",
    "germany",
    "undp",
    "norway",
}


def known(name: str) -> bool:
    return name.casefold() in KNOWN


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("Bosnia and Herzegovina", ["Bosnia and Herzegovina"]),
        ("Trinidad and Tobago", ["Trinidad and Tobago"]),
        ("Bill & Melinda Gates Foundation", ["Bill & Melinda Gates Foundation"]),
        ("Ministry of Agriculture and Food Security", ["Ministry of Agriculture and Food Security"]),
        ("Serbia and Montenegro", ["Serbia", "Montenegro"]),
        ("Bosnia and Herzegovina, Serbia", ["Bosnia and Herzegovina", "Serbia"]),
        ("EU & Germany", ["EU", "Germany"]),
        ("EU + Germany", ["EU", "Germany"]),
        ("EU / Germany", ["EU", "Germany"]),
        ("EU (80%) and Germany (20%)", ["EU (80%)", "Germany (20%)"]),
        ("UNDP|Norway", ["UNDP", "Norway"]),
        ("EU, Ministry of Health", ["EU, Ministry of Health"]),  # a part is not known: kept whole
        ("EU, n/a", ["EU"]),
    ],
)
def test_names_known_whole_stay_whole_and_splits_need_every_part_known(cell, names):
    assert split_cell(cell, known=known) == names


@pytest.mark.parametrize(
    ("piece", "result"),
    [
        ("EU (80%)", ("EU", D("80"))),
        ("Germany 20%", ("Germany", D("20"))),
        ("EU: 80 %", ("EU", D("80"))),
        ("EU - 80%", ("EU", D("80"))),
        ("EU (80.5 %)", ("EU", D("80.5"))),
        ("EU (80,5%)", ("EU", D("80.5"))),
        ("Serbia [30 %]", ("Serbia", D("30"))),
        ("80% EU", ("EU", D("80"))),
        ("EU", ("EU", None)),
        ("Resolution 1325", ("Resolution 1325", None)),
        ("80%", ("80%", None)),
        ("  Bosnia and  Herzegovina ", ("Bosnia and Herzegovina", None)),
    ],
)
def test_a_share_written_with_a_name(piece, result):
    assert parse_share(piece) == result


@pytest.mark.parametrize(
    ("cell", "blank"),
    [(None, True), ("", True), ("  \t", True), ("\u00a0", True), (float("nan"), True), (D("NaN"), True)]
    + [(0, False), (0.0, False), ("0", False), ("-", False), (False, False), (dt.date(2019, 1, 1), False)],
)
def test_is_blank(cell, blank):
    assert is_blank(cell) is blank


def test_loaders_values_and_names_never_import_streamlit():
    code = "import sys, loaders.values, loaders.names; print('streamlit' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("cell", "start", "end"),
    [
        ("2018-2020", dt.date(2018, 1, 1), dt.date(2020, 12, 31)),
        ("01/2018 - 12/2020", dt.date(2018, 1, 1), dt.date(2020, 12, 31)),
        ("2018-01-15 - 2020-06-30", dt.date(2018, 1, 15), dt.date(2020, 6, 30)),
        ("Jan 2018 – Dec 2020", dt.date(2018, 1, 1), dt.date(2020, 12, 31)),
        ("March 2017 to February 2019", dt.date(2017, 3, 1), dt.date(2019, 2, 28)),
        ("01.01.2018-31.12.2020", dt.date(2018, 1, 1), dt.date(2020, 12, 31)),
        ("01/03/2018 - 28/02/2020", dt.date(2018, 3, 1), dt.date(2020, 2, 28)),  # the end settles day-first
    ],
)
def test_a_period_in_one_cell_is_its_start_and_end(cell, start, end):
    assert parse_period(cell) == (start, end, None)


def test_what_is_no_period_says_so():
    assert parse_period(None) == (None, None, None)
    assert parse_period("36 months")[:2] == (None, None)
    assert "'36 months' is not a period" in parse_period("36 months")[2]
