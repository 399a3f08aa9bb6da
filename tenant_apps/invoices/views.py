"""Invoice pages: the list with totals, a new invoice (built from lines or uploaded), one
invoice with its lines, history and actions, its PDF, and editing a draft.

The detail page's actions post with htmx and get back the header they change, with the
history out of band; without htmx the same routes redirect, or show the refusal (400).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from tenant_apps.files.responses import file_download_response
from tenant_apps.invoices import actions
from tenant_apps.invoices.actions import CREDITABLE
from tenant_apps.invoices.currencies import currency_get
from tenant_apps.invoices.forms import (
    CreditNoteForm,
    InvoiceForm,
    InvoiceListForm,
    LegalDetailsForm,
    MoveForm,
    TaxRateForm,
    UploadForm,
    line_formset,
    line_row,
)
from tenant_apps.invoices.models import (
    MOVE_PERMISSIONS,
    MOVES,
    CreditNote,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    TaxRate,
)
from tenant_apps.invoices.selectors import (
    agency_today,
    credited_total,
    invoice_credit_notes,
    invoice_history,
    invoice_taxes,
    invoice_totals,
    legal_details,
    tax_rates,
    visible_invoices,
)
from tenant_apps.invoices.validation import MAX_LINES
from tenant_apps.kit.access import actor_for, can, permission_required, require
from tenant_apps.kit.htmx import is_htmx, list_template
from tenant_apps.kit.lists import CountedPaginator
from tenant_apps.people.selectors import visible_companies

PAGE_SIZE = 25
ROW_FIELDS = [
    "company",
    "company__name",
    "number",
    "currency",
    "status",
    "issue_date",
    "due_date",
    "total",
]


def _posted(request):
    return request.POST if request.method == "POST" else None


# List


@permission_required("workspace.use")
def invoice_list(request):
    """Everyone signed in may open it; approvers and viewers find no invoices there."""
    actor = actor_for(request)
    form = InvoiceListForm(
        request.GET, companies=visible_companies(actor) if actor.is_team else None
    )
    if form.is_valid():
        invoices, status = form.apply(visible_invoices(actor)), 200
    else:
        invoices = Invoice.objects.none()
        status = 200 if is_htmx(request) else 400
    totals = invoice_totals(invoices)
    # The totals count every invoice listed: no COUNT query of its own.
    # The columns a row shows, not the notes, amounts before tax and dates of each step.
    rows = invoices.only(*ROW_FIELDS)
    paginator = CountedPaginator(rows, PAGE_SIZE, count=sum(sums["count"] for sums in totals))
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "actor": actor,
        "form": form,
        "page": page,
        "totals": totals,
        "page_query": query.urlencode(),
        "reads_invoices": can(actor, "invoices.view"),
        "may_create": can(actor, "invoices.create"),
    }
    template = list_template(request, "invoices/list.html", results="invoice-results")
    return render(request, template, context, status=status)


# Creating and editing


def _errors_onto(form, refused: ValidationError) -> None:
    """An action's refusal beside the fields it names; the rest (lines) above the form."""
    errors = refused.message_dict if hasattr(refused, "error_dict") else {None: refused.messages}
    for field, messages_ in errors.items():
        form.add_error(field if field in form.fields else None, messages_)


def _editor(request, *, kind: str, invoice: Invoice | None = None):
    """New (no ``invoice``) or a draft's edit page, for either kind; saves and redirects."""
    actor = actor_for(request)
    built = kind == InvoiceKind.BUILT
    form_class = InvoiceForm if built else UploadForm
    companies = visible_companies(actor) if invoice is None else None
    initial = None
    if invoice is not None:
        initial = {field: getattr(invoice, field) for field in form_class.base_fields}
        initial.pop("pdf", None)
    form = form_class(
        _posted(request),
        request.FILES or None,
        companies=companies,
        invoice=invoice,
        initial=initial,
    )
    lines = line_formset(_posted(request), invoice=invoice) if built else None
    valid = form.is_valid()
    valid = (lines.is_valid() if lines is not None else True) and valid
    if request.method == "POST" and valid:
        data = dict(form.cleaned_data)
        company = data.pop("company", None)
        if company is not None:
            require(actor, "invoices.create", company, request=request)
        if built:
            data["lines"] = lines.lines()
        try:
            if invoice is not None:
                saved = actions.invoice_update(
                    invoice=invoice, actor=actor.user, request=request, **data
                )
            elif built:
                saved = actions.invoice_create(
                    company=company, actor=actor.user, request=request, **data
                )
            else:
                saved = actions.invoice_upload(
                    company=company, actor=actor.user, request=request, **data
                )
        except ValidationError as refused:
            _errors_onto(form, refused)
        else:
            verb = "saved" if invoice is not None else "created as a draft"
            messages.success(request, f"Invoice {saved.number} {verb}.")
            return redirect("invoices:detail", saved.pk)
    context = {
        "form": form,
        "lines": lines,
        "invoice": invoice,
        "kind": kind,
        "totals": _preview(_posted(request), lines) if built else None,
        "max_lines": MAX_LINES,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "invoices/form.html", context, status=status)


@permission_required("invoices.create")
def invoice_new(request):
    return _editor(request, kind=InvoiceKind.BUILT)


@permission_required("invoices.create")
def invoice_upload(request):
    return _editor(request, kind=InvoiceKind.UPLOADED)


@permission_required("workspace.use")
def invoice_edit(request, invoice_id):
    actor, invoice = _visible_invoice(request, invoice_id)
    require(actor, "invoice.manage", invoice, request=request)
    if not invoice.is_draft:
        messages.error(request, f"Invoice {invoice.number} was sent; only drafts can be changed.")
        return redirect("invoices:detail", invoice.pk)
    return _editor(request, kind=invoice.kind, invoice=invoice)


@permission_required("invoices.create")
def line_row_add(request):
    """One more blank line for the invoice form, added in place by "Add a line"."""
    index = request.GET.get("index", "")
    if not index.isdecimal() or int(index) >= MAX_LINES:
        return HttpResponseBadRequest(f"An invoice has at most {MAX_LINES} lines.")
    context = {"row": line_row(int(index)), "next_index": int(index) + 1, "max_lines": MAX_LINES}
    return render(request, "invoices/form.html#added_row", context)


def _preview(data, lines) -> dict | None:
    """What the lines typed so far add up to, for the form's summary; None until there are
    a known currency and a whole line."""
    currency = currency_get((data or {}).get("currency", ""))
    rows = lines.lines() if lines is not None and lines.is_bound else []
    if currency is None or not rows:
        return None
    figures = actions.invoice_figures(currency=currency, lines=actions.lines_from(rows))
    return {"currency": currency.code, "figures": figures}


@require_POST
@permission_required("invoices.create")
def totals_preview(request):
    """The summary of what the form's lines add up to, swapped in as they change."""
    # Any rate, archived too: a draft's archived rate still counts (saving checks them).
    totals = _preview(request.POST, line_formset(request.POST, rates=TaxRate.objects.all()))
    return render(request, "invoices/form.html#totals", {"totals": totals})


# One invoice


def _visible_invoice(request, invoice_id) -> tuple:
    """The actor and the invoice if they may see it at all; otherwise it does not exist."""
    actor = actor_for(request)
    invoice = get_object_or_404(visible_invoices(actor).select_related("pdf"), pk=invoice_id)
    require(actor, "invoice.view", invoice, request=request)
    return actor, invoice


def _detail_context(request, actor, invoice, **extra) -> dict:
    by = "team" if can(actor, "invoice.manage", invoice) else None
    if by is None and can(actor, "invoice.report_payment", invoice):
        by = "client"
    moves = invoice.moves(by) if by else []
    return {
        "actor": actor,
        "invoice": invoice,
        "lines": invoice.lines.select_related("tax_rate")
        if invoice.kind == InvoiceKind.BUILT
        else [],
        "taxes": invoice_taxes(invoice) if invoice.kind == InvoiceKind.BUILT else [],
        "legal": legal_details(),
        "credit_notes": invoice_credit_notes(invoice),
        "credited": (credited := credited_total(invoice)),
        "after_credits": invoice.total - credited,
        "credit_form": extra.pop("credit_form", None)
        or (_credit_form(invoice) if by == "team" and invoice.status in CREDITABLE else None),
        "history": invoice_history(actor, invoice),
        "moves": moves,
        "move_form": MoveForm(),
        # A note means something to every move but sending.
        "noted": any(name != "send" for name, _ in moves),
        "manages": by == "team",
        "days_late": (agency_today() - invoice.due_date).days if invoice.is_unpaid else 0,
        "may_request_approval": invoice.status != InvoiceStatus.VOID
        and can(actor, "approvals.request", invoice.company),
    } | extra


@permission_required("workspace.use")
def invoice_detail(request, invoice_id):
    actor, invoice = _visible_invoice(request, invoice_id)
    return render(request, "invoices/detail.html", _detail_context(request, actor, invoice))


@permission_required("workspace.use")
def invoice_pdf(request, invoice_id):
    _, invoice = _visible_invoice(request, invoice_id)
    if invoice.pdf is None:
        raise Http404("This invoice has no PDF.")
    return file_download_response(invoice.pdf)


def _move_view(name: str):
    move = MOVES[name]
    permission = MOVE_PERMISSIONS[move.by]

    @require_POST
    @permission_required("workspace.use")
    def view(request, invoice_id):
        actor, invoice = _visible_invoice(request, invoice_id)
        require(actor, permission, invoice, request=request)
        form = MoveForm(request.POST)
        refusal = None
        if form.is_valid():
            try:
                invoice = actions.invoice_move(
                    invoice=invoice,
                    move=name,
                    actor=actor.user,
                    note=form.cleaned_data["note"],
                    request=request,
                )
            except ValidationError as refused:
                refusal = " ".join(refused.messages)
        else:
            refusal = " ".join(error for errors in form.errors.values() for error in errors)
        if not is_htmx(request):
            if refusal is None:
                messages.success(request, f"{move.done}: invoice {invoice.number}.")
                return redirect("invoices:detail", invoice.pk)
            context = _detail_context(request, actor, invoice, refusal=refusal)
            return render(request, "invoices/detail.html", context, status=400)
        invoice = visible_invoices(actor).select_related("pdf").get(pk=invoice.pk)
        context = _detail_context(request, actor, invoice, refusal=refusal)
        html = render_to_string("invoices/detail.html#header", context, request=request)
        html += render_to_string(
            "invoices/detail.html#history", context | {"oob": True}, request=request
        )
        return HttpResponse(html)

    view.__name__ = f"invoice_{name}"
    return view


# The moves people make from the page; the system's (overdue) is the beat task's alone.
move_views = {name: _move_view(name) for name, move in MOVES.items() if move.by in MOVE_PERMISSIONS}


# Settings: the agency's legal details and tax rates (owners and admins)


@permission_required("invoicing.configure")
def legal_settings(request):
    """Who issues the invoices and how clients pay them by transfer."""
    details = legal_details()
    initial = {field: getattr(details, field) for field in actions.LEGAL_FIELDS}
    form = LegalDetailsForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.legal_details_update(
                actor=actor_for(request).user, request=request, **form.cleaned_data
            )
        except ValidationError as refused:
            _errors_onto(form, refused)
        else:
            messages.success(request, "Invoice details saved. New invoices print them.")
            return redirect("invoices:legal_settings")
    status = 400 if form.errors else 200
    return render(request, "invoices/settings_legal.html", {"form": form}, status=status)


def _rates_page(request, form=None, status=200):
    context = {
        "form": form or TaxRateForm(),
        "rates": tax_rates(archived=None).order_by("archived_at", "percent", "name"),
    }
    return render(request, "invoices/settings_tax_rates.html", context, status=status)


@permission_required("invoicing.configure")
def tax_rate_list(request):
    """The rates, and a form to add one (posted here)."""
    if request.method != "POST":
        return _rates_page(request)
    form = TaxRateForm(request.POST)
    if form.is_valid():
        try:
            rate = actions.tax_rate_create(
                actor=actor_for(request).user, request=request, **form.cleaned_data
            )
        except ValidationError as refused:
            _errors_onto(form, refused)
        else:
            messages.success(request, f"{rate} added: invoice lines can bear it now.")
            return redirect("invoices:tax_rates")
    return _rates_page(request, form, status=400)


@require_POST
@permission_required("invoicing.configure")
def tax_rate_archive(request, rate_id):
    """Archive a rate, or offer an archived one again."""
    rate = get_object_or_404(TaxRate, pk=rate_id)
    archived = not rate.is_archived
    try:
        actions.tax_rate_archive(
            rate=rate, archived=archived, actor=actor_for(request).user, request=request
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"{rate} {'archived' if archived else 'offered again'}.")
    return redirect("invoices:tax_rates")


@require_POST
@permission_required("invoicing.configure")
def tax_rate_delete(request, rate_id):
    """Delete a rate no line bears; one in use is refused with a word about archiving."""
    rate = get_object_or_404(TaxRate, pk=rate_id)
    try:
        actions.tax_rate_delete(rate=rate, actor=actor_for(request).user, request=request)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"{rate} deleted.")
    return redirect("invoices:tax_rates")


# Credit notes


def _credit_form(invoice: Invoice, data=None) -> CreditNoteForm:
    credited = invoice.lines.filter(credits__isnull=False)
    creditable = invoice.lines.exclude(pk__in=credited.values("pk"))
    return CreditNoteForm(data, invoice=invoice, creditable_lines=creditable)


@require_POST
@permission_required("workspace.use")
def credit_note_new(request, invoice_id):
    """Issue a credit note on the invoice (the team); back to the invoice, or its page with
    what is wrong (400)."""
    actor, invoice = _visible_invoice(request, invoice_id)
    require(actor, "invoice.manage", invoice, request=request)
    form = _credit_form(invoice, request.POST)
    if form.is_valid():
        try:
            note = actions.credit_note_create(
                invoice=invoice,
                reason=form.cleaned_data["reason"],
                actor=actor.user,
                request=request,
                **form.credit(),
            )
        except ValidationError as refused:
            _errors_onto(form, refused)
        else:
            messages.success(request, f"Credit note {note.number} issued.")
            return redirect("invoices:detail", invoice.pk)
    context = _detail_context(request, actor, invoice, credit_form=form)
    return render(request, "invoices/detail.html", context, status=400)


@permission_required("workspace.use")
def credit_note_pdf(request, invoice_id, note_id):
    """A credit note's PDF, for whoever sees its invoice."""
    _, invoice = _visible_invoice(request, invoice_id)
    note = get_object_or_404(CreditNote.objects.select_related("pdf"), invoice=invoice, pk=note_id)
    return file_download_response(note.pdf)
