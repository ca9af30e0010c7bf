"""Time closing a cycle for 2,000 customers, and a partner's invoice list with two years
of invoices.

    python bench/billing.py [--database-url postgres://postgres@127.0.0.1:55433/bench_billing]
                            [--generate] [--customers 2000] [--months 24] [--requests 20]

`--generate` drops and recreates the database, migrates it, and writes one partner with
`--customers` customers (billing day 1, named agents, a mix of EU and other countries,
billing details), `--months` months of issued invoices per customer through the billing
service's own writer (numbered and hash-chained like real ones, one or two overage lines
each), and the daily rows of the month after them (COPY). Then:

1. issue: `billing.services.invoices_issue` for every customer through the last day of
   that month, the way the beat's chunks run it, inside a transaction that is rolled back
   at the end so the measurement can be repeated on the same data. Target <= 10 s.
2. list: the partner full admin's `/invoices/` page (django-tables2, first page of 50 and
   the total count) and `/api/v1/invoices/` (100 with their lines), in-process with
   Django's test client after a warm-up. Target <= 150 ms for one request.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARTNER_ADMIN = "bench.billing.admin@partner.bench"
COUNTRIES = ["NL", "FR", "DE", "BE", "US", "GB", "JP", "AU", "ES", "IT"]


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = ""
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def recreate_database(database_url: str) -> None:
    url = urlparse(database_url)
    common = ["-h", url.hostname, "-p", str(url.port), "-U", url.username]
    name = url.path.lstrip("/")
    subprocess.run(["dropdb", "--if-exists", "--force", *common, name], check=True)
    subprocess.run(["createdb", *common, name], check=True)


def months_back(first_of_month: date, n: int) -> date:
    year, month = divmod(first_of_month.year * 12 + first_of_month.month - 1 - n, 12)
    return date(year, month + 1, 1)


def month_end(first: date) -> date:
    return months_back(first, -1) - timedelta(days=1)


def generate(customers: int, months: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction

    from billing.models import BillingDetails
    from orgs.models import Organization, PartnerRelationship, Person
    from orgs.roles import Role
    from subscriptions.models import Subscription
    from usage import engine
    from usage import rules as usage_rules
    from usage.models import DailyUsage

    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    timed = months_back(date.today().replace(day=1), 1)  # last month: the cycle to close
    first = months_back(timed, months)
    started = time.perf_counter()
    with transaction.atomic():
        partner = Organization.objects.create(
            name="Bench Partner", kind="partner", tier=1, country="NL"
        )
        Person.objects.create_user(
            PARTNER_ADMIN, "bench-pass", organization=partner, role=Role.PARTNER_FULL_ADMIN
        )
        orgs = Organization.objects.bulk_create(
            Organization(
                name=f"Bench Customer {n:04d}", kind="customer", country=rng.choice(COUNTRIES)
            )
            for n in range(customers)
        )
        PartnerRelationship.objects.bulk_create(
            PartnerRelationship(partner=partner, customer=org, is_managing=True) for org in orgs
        )
        BillingDetails.objects.bulk_create(
            BillingDetails(
                customer=org,
                billing_address=f"{n} Bench Street\nBench City",
                purchase_order=f"PO-{n:05d}",
                billing_emails=f"ap{n}@customer.bench",
            )
            for n, org in enumerate(orgs)
        )
        subscriptions = Subscription.objects.bulk_create(
            Subscription(
                customer=org,
                start_date=first,
                agent_model="named",
                standard_agents=rng.choice([10, 20, 50, 100]),
                premium_agents=rng.choice([0, 5, 10]),
                addon_ivr_ports=rng.choice([0, 2, 10]),
            )
            for org in orgs
        )
    # The history, written in SQL (a Python writer would take most of an hour here): one
    # invoice per customer and month with one or two overage lines, numbered in order of
    # issue. Their hashes are placeholders: verify_invoices is not what is measured.
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute(
            """
            WITH months AS (
                SELECT m, (%(first)s::date + make_interval(months => m))::date AS start
                FROM generate_series(0, %(months)s - 1) AS m
            ), issued AS (
                SELECT s.id AS subscription_id, s.customer_id, months.start,
                       (months.start + interval '1 month' - interval '1 day')::date AS "end",
                       row_number() OVER (ORDER BY months.start, s.customer_id) AS seq,
                       1 + (s.customer_id * 7 + months.m) %% 12 AS quantity
                FROM subscriptions_subscription s CROSS JOIN months
            )
            INSERT INTO billing_invoice (partner_id, customer_id, subscription_id, number,
                sequence, status, issued_at, due_date, period_start, period_end, currency,
                recurring_total, usage_total, other_total, subtotal, tax_rate, tax_total,
                total, tax_note, bill_to, previous_hash, hash)
            SELECT %(partner)s, customer_id, subscription_id,
                   'BENCH-' || extract(year FROM "end" + 1) || '-' || lpad(seq::text, 6, '0'),
                   seq, 'issued', ("end" + 1) + time '02:00', "end" + 31, start, "end", 'USD',
                   0, quantity * 110.5, 0, quantity * 110.5, 21, round(quantity * 110.5 * 0.21, 2),
                   round(quantity * 110.5 * 1.21, 2), '',
                   jsonb_build_object('customer_name', 'Bench Customer'),
                   lpad(to_hex(seq - 1), 64, '0'), lpad(to_hex(seq), 64, '0')
            FROM issued
            """,
            {"first": first, "months": months, "partner": partner.pk},
        )
        cursor.execute(
            """
            INSERT INTO billing_invoiceline (invoice_id, customer_id, position, kind, sku,
                description, period_start, period_end, quantity, unit, unit_price, amount,
                adjusts, usage_type)
            SELECT id, customer_id, 1, 'overage', 'A-FLEX-WCC-S-N-O',
                   'Standard Named Agent Overage', period_start, period_end,
                   (subtotal / 110.5)::int, 'Agent', 110.5, subtotal, '', 'Standard Named Agent'
            FROM billing_invoice
            """
        )
        cursor.execute(
            """
            INSERT INTO billing_closedcycle (customer_id, subscription_id, cycle_start,
                cycle_end, closed_at, invoice_id)
            SELECT customer_id, subscription_id, period_start, period_end, issued_at, id
            FROM billing_invoice
            """
        )
        cursor.execute(
            "INSERT INTO billing_invoicesequence (partner_id, prefix, last_number, last_hash) "
            "SELECT %s, 'BENCH', count(*), lpad(to_hex(count(*)), 64, '0') FROM billing_invoice",
            [partner.pk],
        )
    print(f"  history: {customers * months:,} invoices")
    # The timed month's daily rows, as the engine would have stored them.
    end = month_end(timed)
    columns = (
        "customer_id, subscription_id, usage_date, cycle_start, usage_type, units_used, "
        "units_commitment, units_substituted, units_overage, usage_unit, comment, computed_at"
    )
    now = datetime.now(UTC)
    with connection.cursor() as cursor, transaction.atomic():
        with cursor.cursor.copy(f"COPY {DailyUsage._meta.db_table} ({columns}) FROM STDIN") as copy:
            for sub in subscriptions:
                commitments = usage_rules.Commitments(
                    sub.standard_agents, sub.premium_agents, sub.addon_ivr_ports
                )
                rows = []
                base = rng.randint(sub.standard_agents // 2, sub.standard_agents)
                day = timed
                while day <= end:
                    i = (day - timed).days
                    rows.extend(
                        usage_rules.daily_detail_rows(
                            day,
                            "named",
                            commitments,
                            standard_used=base + i // 3,
                            premium_used=rng.randint(0, sub.premium_agents + 2),
                            ivr_used=rng.randint(0, 3 * sub.standard_agents),
                        )
                    )
                    day += timedelta(days=1)
                for row in usage_rules.mark_overage_peaks(rows, lambda _d: timed):
                    copy.write_row(
                        (sub.customer_id, sub.pk, row.usage_date, timed, row.usage_type,
                         row.units_used, row.units_commitment, row.units_substituted,
                         row.units_overage, row.usage_unit, row.comment, now)
                    )  # fmt: skip
        engine.cycle_usage_refresh([s.customer_id for s in subscriptions], [timed])
        cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s")


class Rollback(Exception):
    pass


def measure_issue() -> None:
    from django.db import transaction
    from django.db.models import Max

    from billing import services
    from billing.models import ClosedCycle, Invoice
    from usage import engine

    # The month after the generated invoices, whose daily rows --generate wrote (not
    # today's: the data outlive the day they were made on).
    timed = Invoice.objects.aggregate(last=Max("period_end"))["last"] + timedelta(days=1)
    through = month_end(timed)
    ids = engine.customers_billable_between(timed, through)
    before = Invoice.objects.count()
    try:
        with transaction.atomic():
            started, cpu = time.perf_counter(), time.process_time()
            result = services.invoices_issue(ids, through=through)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            closed = ClosedCycle.objects.filter(cycle_start=timed).count()
            issued = Invoice.objects.count() - before
            raise Rollback
    except Rollback:
        pass
    print(
        f"issue: {len(ids)} customers, {closed} cycles closed, {issued} invoices issued "
        f"({result.closed} reported) in {elapsed:.2f} s wall, {cpu:.2f} s CPU of this process "
        f"(target <= 10 s); rolled back"
    )


def measure_list(requests: int) -> None:
    from django.test import Client

    from billing.models import Invoice
    from orgs.models import Person

    client = Client()
    client.force_login(Person.objects.get(email=PARTNER_ADMIN))
    print(f"list: {Invoice.objects.count():,} invoices of one partner")
    for path in ("/invoices/", "/invoices/?page=40", "/api/v1/invoices/"):
        for _ in range(3):
            assert client.get(path).status_code == 200
        timings, cpu = [], []
        for _ in range(requests):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            assert response.status_code == 200
        timings.sort()
        p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
        print(
            f"  {path:<22} p50 {statistics.median(timings):6.1f} ms  p95 {p95:6.1f} ms  "
            f"max {timings[-1]:6.1f} ms; CPU p50 {statistics.median(cpu):6.1f} ms "
            "(target <= 150 ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:55433/bench_billing"
    )
    parser.add_argument("--generate", action="store_true")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--only", choices=["issue", "list"])
    args = parser.parse_args()
    if args.generate:
        recreate_database(args.database_url)
    setup_django(args.database_url)
    if args.generate:
        generate(args.customers, args.months)
    if args.only in (None, "issue"):
        measure_issue()
    if args.only in (None, "list"):
        measure_list(args.requests)


if __name__ == "__main__":
    main()
