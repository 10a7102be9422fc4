"""The crawl that keeps the whole interface honest (issue #7).

It signs in as each role (anonymous, buyer, active seller, pending seller, operator) on the
demo data (`seed_demo`), opens every page the URL access table (`tests/test_url_access.py`)
lets that role open - plus, for the operator, the Django admin - in English and Chinese,
at 1366 px and 390 px, and fails on:

- a console error or an uncaught exception;
- a response >= 500 (the page itself, or any XHR/htmx/asset it loads), or a page the table
  opens for the role answering >= 400;
- at 390 px, an element reaching past the viewport's right edge outside any scroll
  container (`overflow-x: auto|scroll|hidden|clip`);
- on a Chinese page, an English interface string of the catalogue
  (`locale/zh_Hans/LC_MESSAGES/django.po`); on an English page, any Chinese character -
  in both cases outside user content, i.e. elements marked `data-user-content` or with a
  `lang` attribute of their own (the language switch names each language in itself);
- a page whose title lacks the marketplace's name (in the page's language), or whose
  `<html lang>` is not the language asked for.

Each page is loaded once per role and language and looked at in both widths (the viewport
is resized on the loaded page; the pages load at each width in turn). Every failure is
collected and reported together at the end. One screenshot per page goes
to `test-results/crawl/<role>/<lang>-<width>/<url-name>.jpg` for a person to look at, and
`test-results/crawl/report.txt` keeps the failures.

    .venv/bin/pytest -m browser tests/browser/test_crawl.py
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models
from django.db.models import Max
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from buyers.models import CreditBill, Voucher
from buyers.payments.sandbox import SandboxProvider
from buyers.services.topup import top_up_start
from invoices.models import InvoiceRequest, InvoiceTitle, MailingAddress
from invoices.selectors import PAID, issuer_for, order_problem, orders_for_invoicing
from marketplace.accounts.services import api_token_create
from marketplace.catalog.models import Product, ProductVersion
from orders.management.commands.seed_orders import MARKER, MYSQL
from orders.models import (
    InterfaceTestCase,
    License,
    Order,
    PrivateOffer,
    ProductInterface,
    ProvisioningCall,
    Unsubscription,
)
from orders.services.checkout import order_place
from sellers.models import Seller
from settlement.models import Bill, Partner, PartnerShareBill
from supervision.models import Case
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, _wait_for_live_server_requests
from tests.factories.catalog_publishing import draft_product
from tests.factories.invoices import invoice_request
from tests.factories.isv import ProductInterfaceFactory
from tests.test_url_access import (
    BUYER_OWNED,
    LOGIN,
    OWNED,
    PARTNER,
    PARTNER_OWNED,
    PUBLIC,
    SELLER,
    Buying,
    Side,
    World,
    pages,
    url_of,
)

pytestmark = pytest.mark.browser

SHOTS = Path(settings.BASE_DIR) / "test-results" / "crawl"
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
LANGUAGES = ("en", "zh-hans")
VIEWPORTS = {1366: {"width": 1366, "height": 800}, 390: {"width": 390, "height": 844}}
PASSWORD = "demo-pass-2026"  # seed_demo's, for every demo account but the operator


@dataclass(frozen=True)
class Role:
    username: str | None  # None: not signed in
    password: str
    table_pages: tuple[str, ...]  # names in the URL access table
    admin: bool = False  # the Django admin's pages too


S = Seller.Status
ROLES = {
    "anonymous": Role(None, "", tuple(pages(PUBLIC))),
    # The buyer's own orders, services, top-up ...; and the payment provider's page, by the
    # link signed for her top-up.
    "buyer": Role(
        "buyer-alice",
        PASSWORD,
        (*pages(PUBLIC, LOGIN, BUYER_OWNED), "payments:sandbox_pay"),
    ),
    "seller": Role(
        "seller-cloudnova", PASSWORD, tuple(pages(PUBLIC, LOGIN, SELLER, OWNED, status=S.ACTIVE))
    ),
    "pending-seller": Role(
        "seller-pending", PASSWORD, tuple(pages(PUBLIC, LOGIN, SELLER, OWNED, status=S.PENDING))
    ),
    "operator": Role("operator", "operator-pass-2026", tuple(pages(PUBLIC, LOGIN)), admin=True),
}

# Where people's own words show (product names, store names, addresses, form values ...):
# the language checks skip them. Templates mark such places with `data-user-content`; an
# element with a `lang` of its own says which language it is in. The Django admin's data
# cells and read-only values are the operators' view of user content.
USER_CONTENT = ", ".join(
    [
        "[data-user-content]",
        "body [lang]",
        "script",
        "style",
        "noscript",
        "template",
        "textarea",
        # The Django admin's data: list rows and filters, read-only values, the object's
        # name in the heading, breadcrumbs and inline labels.
        "#result_list tbody",
        "#changelist-filter li a",
        ".readonly",
        "#content > h2",
        ".breadcrumbs",
        ".inline_label",
        # A tabular inline row's object name (e.g. a partner's binding: "partner ↔ buyer").
        "td.original p",
        # Permission names ("Can add category" ...) are rows Django writes in English, one
        # per model and action; the admin's permission (and group) pickers list them as data.
        "select#id_user_permissions",
        "select#id_permissions",
        ".selector select",
    ]
)

# Catalogue strings that may stand on a Chinese page as they are. Keep it short, say why.
ALLOWED_ENGLISH: set[str] = set()
# Chinese that may stand on an English page. Keep it short, say why.
ALLOWED_CHINESE = {
    "简体中文",  # a choice of language names each language in itself (admin: account language)
}

LATIN = re.compile(r"[A-Za-z]{2}")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


# --- what the page tells (run in the page) --------------------------------------------------

TEXTS_JS = """
(exclude) => {
  // Every piece of interface text: text nodes (shown or not: tabs, menus) and the attributes
  // a person reads, outside user content. Each with a short description of where it is.
  const where = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      [...el.classList].slice(0, 2).map((c) => '.' + c).join('');
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.replace(/\\s+/g, ' ').trim();
    if (!text || node.parentElement.closest(exclude)) continue;
    out.push([text, where(node.parentElement)]);
  }
  for (const el of document.body.querySelectorAll(
      '[placeholder], [title], [alt], [aria-label], input[type=submit], input[type=button]')) {
    if (el.closest(exclude)) continue;
    for (const name of ['placeholder', 'title', 'alt', 'aria-label', 'value']) {
      if (name === 'value' && !['submit', 'button'].includes(el.type)) continue;
      const text = (el.getAttribute(name) || '').replace(/\\s+/g, ' ').trim();
      if (text) out.push([text, where(el) + '[' + name + ']']);
    }
  }
  return out;
}
"""

# After a resize: the next frame is laid out and painted at the new width.
NEXT_FRAME_JS = (
    "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
)

OVERFLOW_JS = """
() => {
  // Elements whose right edge passes the viewport with no scroll container around them;
  // only the outermost of each nest is named.
  const width = document.documentElement.clientWidth;
  const contained = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(a).overflowX)) {
        return true;
      }
    }
    return false;
  };
  const found = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= width + 1) continue;
    if (getComputedStyle(el).visibility === 'hidden' || contained(el)) continue;
    found.push(el);
  }
  return found
    .filter((el) => !found.some((other) => other !== el && other.contains(el)))
    .map((el) => {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
          [...el.classList].slice(0, 3).map((c) => '.' + c).join('');
      const text = (el.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, 40);
      return `${name} reaches ${Math.round(el.getBoundingClientRect().right)}px` +
          (text ? ` ("${text}")` : '');
    });
}
"""


# --- the catalogue --------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\([^)]+\)[sdfr]|%[sdf]|\{[a-z_]*\}")


# The apps whose rows the demo data writes and the pages show; not the kernel's logs and
# outbox (they hold interface text themselves), not Django's own tables.
DEMO_APPS = ("accounts", "sellers", "catalog", "buyers")


def _demo_words() -> str:
    """Every short text people wrote in the demo data (names, tags, addresses ...),
    lower-cased, one per line: a catalogue phrase that also appears there can't tell
    interface from data. Fields with choices hold codes, not words, and are left out."""
    values = []
    for app in DEMO_APPS:
        for model in apps.get_app_config(app).get_models():
            names = [
                f.attname
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField) and not f.choices
            ]
            for row in model._default_manager.values_list(*names):
                values.extend(str(v) for v in row if v)
    return "\n".join(values).lower()


@dataclass
class Catalogue:
    """The English interface strings of the Chinese catalogue, as patterns."""

    pattern: re.Pattern
    size: int
    left_out: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, demo_words: str) -> Catalogue:
        with CATALOGUE.open("rb") as f:
            catalogue = read_po(f)
        phrases, left_out = set(), set()
        for message in catalogue:
            msgids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
            strings = (
                message.string if isinstance(message.string, (list, tuple)) else [message.string]
            )
            for msgid in msgids:
                # Placeholders and tags split a message into the phrases a page shows as
                # they are (the values put in may be user content, marked apart).
                for piece in PLACEHOLDER.split(re.sub(r"<[^>]+>", "\n", msgid)):
                    for phrase in (" ".join(line.split()) for line in piece.split("\n")):
                        letters = sum(c.isalpha() for c in phrase)
                        if len(phrase.split()) < 2 and letters < 8:
                            continue  # too short to tell apart from a name or a code
                        if not re.search(r"[a-z]{2}", phrase):
                            continue  # codes and formats (JPG/JPEG/PNG, API, CNY)
                        if any(phrase in string for string in strings) or phrase in ALLOWED_ENGLISH:
                            continue  # the same in both languages (SaaS, Logo ...)
                        if re.search(
                            rf"(?<![a-z]){re.escape(phrase.lower())}(?![a-z])", demo_words
                        ):
                            left_out.add(phrase)
                        else:
                            phrases.add(phrase)
        alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
        pattern = re.compile(rf"(?<![A-Za-z])(?:{alternatives})(?![A-Za-z])")
        return cls(pattern=pattern, size=len(phrases), left_out=sorted(left_out))

    def english_in(self, text: str) -> str | None:
        if not LATIN.search(text):
            return None  # most text of a Chinese page: no need to try every pattern
        match = self.pattern.search(text)
        return match.group(0) if match else None


# --- the crawl ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    page: str
    problem: str
    where: str  # role language width


@dataclass
class Crawl:
    base: str
    catalogue: Catalogue
    failures: list[Failure] = field(default_factory=list)
    visits: int = 0  # a page looked at in one role, language and width
    loads: int = 0  # a page loaded (then looked at in both widths)
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    site_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        for language in LANGUAGES:
            with translation.override(language):
                self.site_names[language] = str(settings.SITE_NAME)

    def fail(self, page: str, where: str, problem: str) -> None:
        self.failures.append(Failure(page, problem, where))

    def watch(self, page, where: str) -> dict:
        """Record console errors, uncaught exceptions and responses >= 500 (documents,
        XHR/htmx, assets) against the page being crawled: `current["name"]`, in the role,
        language and width `current["where"]` (the crawl changes both as it goes)."""
        current = {"name": "log-in", "where": where}

        def console(message):
            if message.type == "error":
                self.fail(current["name"], current["where"], f"console error: {message.text[:200]}")

        def page_error(error):
            self.fail(current["name"], current["where"], f"uncaught exception: {str(error)[:200]}")

        def response(answer):
            if answer.status >= 500:
                url = answer.url.removeprefix(self.base)
                self.fail(
                    current["name"],
                    current["where"],
                    f"HTTP {answer.status} from {answer.request.method} {url}",
                )

        page.on("console", console)
        page.on("pageerror", page_error)
        page.on("response", response)
        return current

    async def run_context(self, browser, role_name: str, role: Role, urls, language):
        """One role in one language: a context of its own, signed in once, each page loaded
        once and looked at in both widths - the viewport is resized on the loaded page
        (media queries apply as on a fresh load). The pages load at 1366 px and 390 px in
        turn, so that load-time behaviour is seen at both widths too."""
        widths = list(VIEWPORTS)
        context = await browser.new_context(
            viewport=VIEWPORTS[widths[0]], locale="zh-CN" if language == "zh-hans" else "en-US"
        )
        context.set_default_timeout(15_000)
        page = await context.new_page()
        current = self.watch(page, f"{role_name} {language} {widths[0]}")
        if role.username:
            await page.goto(self.base + reverse("accounts:login"))
            await page.fill("#id_username", role.username)
            await page.fill("#id_password", role.password)
            async with page.expect_navigation():
                await page.click("main form button[type=submit]")
            if "/login/" in page.url:
                self.fail("log-in", current["where"], f"can't log in as {role.username}")
        # The language a person picks with the switch is a cookie (log-in sets the
        # account's own): set it after logging in.
        await context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": self.base}]
        )
        folders = {width: SHOTS / role_name / f"{language}-{width}" for width in widths}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        paths = {path for _, path in urls}
        for name, path in urls:
            current["name"] = name
            clock = time.monotonic()
            response = await page.goto(self.base + path, wait_until="load")
            self.loads += 1
            self.visits += len(widths)
            self.seconds["loading"] += time.monotonic() - clock
            landed = page.url.removeprefix(self.base).split("?")[0]
            if landed != path and landed in paths:
                continue  # redirected to a page crawled on its own (log-in when signed in ...)
            for turn, width in enumerate(widths):
                where = current["where"] = f"{role_name} {language} {width}"
                if turn:
                    clock = time.monotonic()
                    await page.set_viewport_size(VIEWPORTS[width])
                    await page.evaluate(NEXT_FRAME_JS)
                    self.seconds["resizing"] += time.monotonic() - clock
                if response is None or response.status >= 400:
                    status = response.status if response else "no response"
                    self.fail(name, where, f"answers {status} to a role the table lets in")
                clock = time.monotonic()
                await page.screenshot(
                    path=folders[width] / f"{name.replace(':', '-')}.jpg",
                    type="jpeg",
                    quality=60,
                    full_page=True,
                )
                self.seconds["screenshots"] += time.monotonic() - clock
                clock = time.monotonic()
                await self.check_page(page, name, where, language, width)
                self.seconds["checks"] += time.monotonic() - clock
            # The next page loads at the width this one ended at.
            widths.reverse()
        await context.close()

    async def check_page(self, page, name, where, language, width):
        title, html_lang = await page.evaluate(
            "() => [document.title, document.documentElement.lang]"
        )
        site_name = self.site_names[language]
        if site_name not in title:
            self.fail(name, where, f"title without “{site_name}”: {title!r}")
        if html_lang.lower() != language and not html_lang.lower().startswith(language + "-"):
            self.fail(name, where, f"<html lang={html_lang!r}>, asked for {language}")
        # Where on the page → the texts (and the catalogue phrases found in them): one
        # finding per place, so fifty product cards make one line of the report.
        chinese, english = defaultdict(list), defaultdict(list)
        for text, place in await page.evaluate(TEXTS_JS, USER_CONTENT):
            if language == "en" and CJK.search(text) and text not in ALLOWED_CHINESE:
                chinese[place].append(text)
            elif language != "en" and (phrase := self.catalogue.english_in(text)):
                english[place].append((phrase, text))
        for place, texts in chinese.items():
            more = f" and {len(texts) - 1} more" if len(texts) > 1 else ""
            self.fail(
                name, where, f"Chinese on an English page in {place}: {texts[0][:50]!r}{more}"
            )
        for place, found in english.items():
            phrases = ", ".join(f"“{p}”" for p in dict.fromkeys(p for p, _ in found))
            example = found[0][1][:60]
            more = f" ({len(found)} texts)" if len(found) > 1 else ""
            self.fail(
                name,
                where,
                f"English on a Chinese page in {place}: {phrases}{more}, e.g. {example!r}",
            )
        if width == 390:
            for element in await page.evaluate(OVERFLOW_JS):
                self.fail(name, where, f"wider than the 390 px viewport: {element}")
            # What the element check can't see: an absolutely positioned element (a visually
            # hidden heading ...) inside a scroll container that isn't its containing block
            # escapes the clipping and lets the whole page pan sideways.
            page_width = await page.evaluate("() => document.documentElement.scrollWidth")
            if page_width > VIEWPORTS[390]["width"] + 1:
                self.fail(name, where, f"the page scrolls sideways: {page_width} px wide")

    def report(self) -> str:
        """One line per page and problem, with every role/language/width it happens in."""
        grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
        for f in self.failures:
            if f.where not in grouped[(f.page, f.problem)]:
                grouped[(f.page, f.problem)].append(f.where)
        lines = [
            f"{page}: {problem}\n    [{'; '.join(wheres)}]"
            for (page, problem), wheres in sorted(grouped.items())
        ]
        return f"{len(grouped)} problems ({len(self.failures)} findings)\n" + "\n".join(lines)


# --- the demo world ---------------------------------------------------------------------------


def demo_world() -> World:
    """The table's URL parameters, taken from the demo data: the product page shows
    CloudNova's office suite; the seller is CloudNova, with one draft in progress."""
    call_command("seed_demo", stdout=io.StringIO())
    seller = Seller.objects.get(user__username="seller-cloudnova")
    listed = Product.objects.filter(seller=seller, status=Product.Status.LISTED).order_by("pk")
    group = seller.service_groups.order_by("pk").first()
    office = listed.get(versions__name="云办公套件 CloudDesk", versions__number=1)
    category = office.versions.get(status=ProductVersion.Status.APPROVED).category
    # A product the seller is still writing: the draft pages need one (specs "basic", "trial").
    draft = draft_product(
        seller, name="云端看板 CloudBoard 草稿", category=category, service_group=group
    )
    side = Side(
        seller=seller,
        draft=draft,
        listed=office,
        group=group,
        attribute=None,
        entry=None,
        shot=None,
        buying=demo_buying(seller),
    )
    return World(own=side, other=side, buyer=None, shop_window=office)


def demo_buying(seller: Seller) -> Buying:
    """Buyer-alice's things with CloudNova, as `seed_orders` left them: her CloudDesk
    order (paid, in service, agreement signed), the Joint CRM unsubscription waiting for
    the seller, last month's credit bill, CloudNova's voucher and private offer for her.
    Her licence order waiting for payment expires ORDER_PAY_MINUTES after the seed (the
    crawl takes far less) - a fresh one is placed should it not be pending any more. The
    seed has no provider top-up: one is started here, left pending. The seed has no
    production interface either: CloudDesk gets one (with its signing key and a saved test
    case), her subscription a finally failed provisioning call and an unclaimed license
    code, as in the URL access table's world."""
    alice = get_user_model().objects.get(username="buyer-alice")
    mine = Order.objects.filter(buyer=alice, seller=seller)
    order = mine.get(idempotency_key=MARKER)
    pending = mine.filter(status=Order.Status.PENDING_PAYMENT).order_by("pk").last()
    if pending is None:
        spec = Product.objects.get(
            seller=seller, versions__number=1, versions__name=MYSQL
        ).listed_version.specs.get(code="perpetual")
        pending = order_place(
            buyer=alice,
            spec=spec,
            region="cn-north",
            agreement_accepted=True,
            idempotency_key="crawl:alice:pending",
        )
    # seed_demo wires the demo SaaS products to the sample ISV (seed_isv) when it can.
    interface = ProductInterface.objects.filter(product=order.product).select_related(
        "access_key"
    ).first() or ProductInterfaceFactory(product=order.product)
    return Buying(
        key=interface.access_key,
        interface=interface,
        test_case=InterfaceTestCase.objects.create(
            product=order.product, name="create", activity="newInstance", body={"orderId": "MOCK"}
        ),
        call=ProvisioningCall.objects.create(
            subscription=order.subscription,
            order=order,
            # After any call the seed's orders made.
            sequence=(order.subscription.calls.aggregate(n=Max("sequence"))["n"] or 0) + 1,
            activity=ProvisioningCall.Activity.NEW_INSTANCE,
            status=ProvisioningCall.Status.FAILED,
            finished_at=timezone.now(),
        ),
        license=License.objects.create(subscription=order.subscription, code="LIC-DEMO-0001"),
        # Her personal API token (the revoke page asks about it; the crawl never posts).
        api_token=api_token_create(user=alice, name="CloudDesk sync")[0],
        buyer=alice,
        order=order,
        pending=pending,
        subscription=order.subscription,
        unsubscription=Unsubscription.objects.get(
            buyer=alice, seller=seller, status=Unsubscription.Status.PENDING
        ),
        top_up=top_up_start(buyer=alice, amount=Decimal("200.00"), provider="sandbox"),
        bill=CreditBill.objects.filter(buyer=alice).order_by("-period").first(),
        voucher=Voucher.objects.filter(seller=seller).order_by("pk").first(),
        offer=PrivateOffer.objects.get(seller=seller, buyer=alice),
        case=demo_case(alice, seller),
        invoice=demo_invoice(alice, seller),
        title=InvoiceTitle.objects.filter(buyer=alice).order_by("pk").first(),
        address=MailingAddress.objects.filter(buyer=alice).order_by("pk").first(),
        **demo_settlement(seller),
    )


def demo_settlement(seller: Seller) -> dict:
    """CloudNova's latest bill (seed_demo's last month) with its first line, and the demo
    partner's latest share bill; None for what the seed didn't make (their pages are
    then left out of the crawl)."""
    bill = Bill.objects.filter(seller=seller).order_by("-period", "pk").first()
    partner = Partner.objects.filter(user__isnull=False).order_by("pk").first()
    share_bill = (
        PartnerShareBill.objects.filter(partner=partner).order_by("-period").first()
        if partner
        else None
    )
    return {
        "settle_bill": bill,
        "settle_line": bill.lines.order_by("id").first() if bill else None,
        "partner_user": partner.user if partner else None,
        "share_bill": share_bill,
    }


def partner_role() -> Role | None:
    """The demo partner's account (seed_demo), if the seed made one: its center's pages."""
    partner = Partner.objects.filter(user__isnull=False, is_active=True).order_by("pk").first()
    if partner is None:
        return None
    return Role(
        partner.user.username, PASSWORD, tuple(pages(PUBLIC, LOGIN, PARTNER, PARTNER_OWNED))
    )


def demo_case(buyer, seller) -> Case | None:
    """Her supervision case with the seller (seed_supervision), one waiting for her
    acceptance if there is one (its question is a page); None: the case pages are left
    out of the crawl."""
    cases = Case.objects.filter(buyer=buyer, seller=seller).order_by("pk")
    return cases.filter(node="acceptance", status="in_progress").first() or cases.first()


def invoiceable_orders(buyer, seller) -> list[Order]:
    """Her paid orders with the seller that she may still ask an invoice for."""
    orders = orders_for_invoicing(buyer).filter(seller=seller, payment_status__in=PAID)
    return [
        o
        for o in orders.order_by("pk")
        if not order_problem(o) and issuer_for(o) == InvoiceRequest.Issuer.SELLER
    ]


def demo_invoice(buyer, seller) -> InvoiceRequest | None:
    """Her invoice request with the seller (seed_invoices), an issued one if there is one
    (its pages offer the download), else one asked here for a paid order still free to
    invoice; None: the invoice pages naming one are left out of the crawl."""
    mine = InvoiceRequest.objects.filter(buyer=buyer, seller=seller).order_by("pk")
    found = mine.filter(status=InvoiceRequest.Status.ISSUED).first() or mine.first()
    if found is None and (free := invoiceable_orders(buyer, seller)):
        found = invoice_request(order=free[0])
    return found


# The table's pages that name the world's invoice request (`demo_invoice`).
INVOICE_PAGES = {"invoices:detail", "seller:invoice_detail"}
# The table's pages that name the world's supervision case.
CASE_PAGES = {
    "supervision:detail",
    "supervision:accept",
    "seller:supervision_detail",
}
# The table's pages that name a demo bill, bill line or share bill (`demo_settlement`).
SETTLEMENT_PAGES = {
    "seller:settlement_bill_detail": "settle_bill",
    "seller:settlement_line_explain": "settle_line",
    "partner:share_bill_detail": "share_bill",
}


def page_url(name: str, world: World) -> str:
    """The table's URL of a page; the sandbox provider's page with the link the merchant
    signs for the top-up (its return URL: the top-up's own page)."""
    if name == "invoices:new" and (
        free := invoiceable_orders(world.own.buying.buyer, world.own.seller)
    ):
        # The request form with an order chosen: titles, addresses, the e-invoice rule.
        return f"{url_of(name, world, world.own)}?orders={free[0].pk}"
    if name == "payments:sandbox_pay":
        top_up = world.own.buying.top_up
        back = reverse("buyer:top_up_detail", kwargs={"reference": top_up.reference})
        return SandboxProvider().start(top_up, return_url=back)
    return url_of(name, world, world.own)


def admin_pages(username: str) -> list[tuple[str, str]]:
    """The admin's home, then each registered model's list and its first object's page:
    those the operator may view. The demo operator holds the operator groups' permissions,
    not a superuser's (groups and django-axes' records are not theirs): the admin refuses
    the others with a 403, as tests/test_admin_operator_groups.py checks."""
    request = RequestFactory().get(reverse("admin:index"))
    request.user = get_user_model().objects.get(username=username)
    found = [("admin:index", reverse("admin:index"))]
    for model, model_admin in sorted(admin.site._registry.items(), key=lambda m: m[0]._meta.label):
        if not model_admin.has_view_or_change_permission(request):
            continue
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        found.append((f"{prefix}_changelist", reverse(f"{prefix}_changelist")))
        first = model._default_manager.order_by("pk").first()
        if first is not None and model_admin.has_view_or_change_permission(request, first):
            found.append((f"{prefix}_change", reverse(f"{prefix}_change", args=[first.pk])))
    return found


# The README's pictures: (role, page) at desktop width, in each language.
README_SHOTS = {
    "product": ("buyer", "catalog:product"),
    "seller-center": ("seller", "seller:dashboard"),
}


def readme_screenshots() -> None:
    """Copy the README's screenshots from this crawl to docs/screenshots/ (run the crawl
    with CRAWL_README_SCREENSHOTS=1), as JPEGs small enough for the repository."""
    from PIL import Image

    folder = Path(settings.BASE_DIR) / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for label, (role, name) in README_SHOTS.items():
        for language in LANGUAGES:
            shot = SHOTS / role / f"{language}-1366" / f"{name.replace(':', '-')}.jpg"
            with Image.open(shot) as image:
                top = image.crop((0, 0, image.width, min(image.height, 1400)))
                top.save(folder / f"{label}-{language}.jpg", quality=70, optimize=True)


# Contexts crawled at once: the live server (Python) and Chromium work side by side.
AT_ONCE = 3


async def crawl_all(crawl: Crawl, jobs: list[tuple]) -> None:
    """One headless Chromium; each job (role, urls, language) in a context of its own,
    AT_ONCE of them at a time, the longest first (the last ones to finish are short).

    Uploaded files (logos, screenshots) come from the live server, which serves
    MEDIA_ROOT (a file that isn't there is a 404, as in production); no request is
    routed through Playwright, which would turn the browser's cache off: the pages'
    CSS, JavaScript and images are fetched once per context, as a person's browser does."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        slots = asyncio.Semaphore(AT_ONCE)

        async def run(job):
            async with slots:
                await crawl.run_context(browser, *job)

        longest_first = sorted(jobs, key=lambda job: len(job[2]), reverse=True)
        await asyncio.gather(*(run(job) for job in longest_first))
        await browser.close()


@pytest.mark.django_db(transaction=True)
def test_crawl_every_page_as_every_role(live_server):
    started = time.monotonic()
    world = demo_world()
    seeded = time.monotonic() - started
    catalogue = Catalogue.load(_demo_words())
    crawl = Crawl(base=live_server.url, catalogue=catalogue)
    jobs = []
    roles = dict(ROLES)
    if (partner := partner_role()) is not None:
        roles["partner"] = partner
    for role_name, role in roles.items():
        urls = [
            (name, page_url(name, world))
            for name in role.table_pages
            if (name not in CASE_PAGES or world.own.buying.case is not None)
            and (name not in INVOICE_PAGES or world.own.buying.invoice is not None)
            and getattr(world.own.buying, SETTLEMENT_PAGES.get(name, "buyer")) is not None
        ]
        if role.admin:
            urls += admin_pages(role.username)
        jobs += [(role_name, role, urls, lang) for lang in LANGUAGES]
    # The crawl touches no database (the pages do, in the live server's threads).
    asyncio.run(crawl_all(crawl, jobs))
    _wait_for_live_server_requests()  # their database connections, before the flush
    report = (
        f"crawl: {crawl.visits} page visits ({crawl.loads} page loads, each page looked at "
        f"in both widths) in {time.monotonic() - started:.0f} s "
        f"(demo data {seeded:.0f} s; "
        + ", ".join(f"{k} {v:.0f} s" for k, v in crawl.seconds.items())
        + f"); {catalogue.size} catalogue phrases checked, "
        f"{len(catalogue.left_out)} left out as demo data: {catalogue.left_out}\n" + crawl.report()
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "report.txt").write_text(report)
    if os.environ.get("CRAWL_README_SCREENSHOTS"):
        readme_screenshots()
    print(report)
    assert not crawl.failures, report


def test_the_checks_catch_what_they_look_for():
    """The crawl can't pass by looking away: a page with one of each defect fails each check,
    and user content and the language switch pass."""
    base = "http://crawl.test"
    html = """<!DOCTYPE html><html lang="zh-hans"><head><title>卖家中心</title></head><body>
      <nav><button lang="en">English</button></nav>
      <p>Seller center</p>
      <p data-user-content>Seller center is my product's name</p>
      <div style="width: 600px">wide</div>
      <div style="overflow-x: auto"><table style="width: 900px"><tr><td>ok</td></tr></table></div>
      <div style="overflow-x: auto"><span style="position: absolute; left: 700px">x</span></div>
      <script>console.error("broken"); fetch("/boom"); null.x;</script>
    </body></html>"""

    async def serve(route):
        if route.request.url.endswith("/boom"):
            await route.fulfill(status=500, body="boom")
        else:
            await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)

    crawl = Crawl(base=base, catalogue=Catalogue.load(demo_words=""))
    crawl.site_names["zh-hans"] = "开放云市场"

    async def visit():
        from playwright.async_api import async_playwright

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport=VIEWPORTS[390])
            await page.route(f"{base}/**", serve)
            current = crawl.watch(page, "self-test")
            current["name"] = "defects"
            await page.goto(base + "/")
            await page.wait_for_load_state("networkidle")
            await crawl.check_page(page, "defects", "self-test", "zh-hans", 390)
            await browser.close()

    asyncio.run(visit())

    problems = [f.problem for f in crawl.failures]
    expected = [
        "console error: broken",
        "uncaught exception: Cannot read properties of null",
        "HTTP 500 from GET /boom",
        # Chromium says so in the console too
        "console error: Failed to load resource: the server responded with a status of 500",
        "title without “开放云市场”",
        "English on a Chinese page in p: “Seller center”, e.g. 'Seller center'",
        'wider than the 390 px viewport: div reaches 608px ("wide")',
        "the page scrolls sideways: 7",  # the wide div, and the hidden span in the scroller
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)
    assert len(problems) == len(expected), "\n".join(problems)
