"""Invoices over /api/v1/. Policy decides; actions write; serializers only validate and shape.

An invoice the caller may not see (another company's, a draft for a client, any invoice for
an approver or viewer) is a 404, like one that does not exist; a move they may not make on
one they see is a 403, and a move its status does not allow is a 400 naming the status.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.core.text import JSONParser, MultiPartParser
from tenant_apps.files.responses import file_download_response
from tenant_apps.invoices import actions, validation
from tenant_apps.invoices.currencies import currency_get, money_round
from tenant_apps.invoices.forms import InvoiceListForm
from tenant_apps.invoices.models import (
    MOVE_PERMISSIONS,
    MOVES,
    CreditNote,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    TaxRate,
)
from tenant_apps.invoices.selectors import (
    agency_today,
    credited_total,
    invoice_credit_notes,
    invoice_number_suggest,
    invoice_taxes,
    legal_details,
    tax_rates,
    visible_invoices,
)
from tenant_apps.kit.access import Actor, Allowed, actor_for, can, require
from tenant_apps.kit.api import NewestFirst
from tenant_apps.people.api import VisibleCompanyField
from tenant_apps.people.models import ClientCompany
from tenant_apps.people.selectors import visible_companies


@extend_schema_field({"type": "string", "format": "decimal", "example": "1250.00"})
class MoneyField(serializers.Field):
    """An amount as a string with exactly its currency's decimals ("1250.00", "1250" in JPY)."""

    def __init__(self, attr: str, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)
        self.attr = attr

    def to_representation(self, obj):
        invoice = obj.invoice if isinstance(obj, InvoiceLine) else obj
        return str(money_round(getattr(obj, self.attr), currency_get(invoice.currency)))


def _moves_for(actor: Actor, invoice: Invoice) -> list[str]:
    return [
        name
        for name, move in MOVES.items()
        if move.by in MOVE_PERMISSIONS
        and invoice.status in move.sources
        and can(actor, MOVE_PERMISSIONS[move.by], invoice)
    ]


class InvoiceOutput(serializers.Serializer):
    class Company(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()

    id = serializers.IntegerField()
    number = serializers.CharField()
    kind = serializers.ChoiceField(InvoiceKind.choices)
    status = serializers.ChoiceField(InvoiceStatus.choices)
    company = Company()
    currency = serializers.CharField(help_text="ISO 4217 code.")
    issue_date = serializers.DateField()
    due_date = serializers.DateField()
    subtotal = MoneyField("subtotal")
    tax = MoneyField("tax")
    total = MoneyField("total")
    notes = serializers.CharField()
    payment_url = serializers.CharField(help_text='Where to pay ("Pay now"): a URL, or empty.')
    sent_at = serializers.DateTimeField(allow_null=True)
    paid_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    pdf_url = serializers.SerializerMethodField()
    moves = serializers.SerializerMethodField(
        help_text="The status changes the caller may make now: POST /invoices/{id}/<move>."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, invoice) -> str | None:
        if invoice.pdf_id is None:
            return None
        path = reverse("api-invoice-pdf", args=(invoice.pk,))
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField([name.replace("_", "-") for name in MOVES])
        )
    )
    def get_moves(self, invoice) -> list[str]:
        return [name.replace("_", "-") for name in _moves_for(self.context["actor"], invoice)]


class TaxRateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    archived = serializers.BooleanField(source="is_archived")


class InvoiceLineOutput(serializers.Serializer):
    class LineTax(serializers.Serializer):
        id = serializers.IntegerField(source="tax_rate_id")
        name = serializers.CharField(source="tax_rate.name")
        percent = serializers.DecimalField(
            source="tax_percent",
            max_digits=5,
            decimal_places=2,
            help_text="As billed on this line.",
        )

    position = serializers.IntegerField()
    description = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=16, decimal_places=4)
    amount = MoneyField("amount")
    tax = serializers.SerializerMethodField(help_text="The line's tax rate; null for none.")

    @extend_schema_field(LineTax(allow_null=True))
    def get_tax(self, line) -> dict | None:
        return self.LineTax(line).data if line.tax_rate_id is not None else None


class TaxLineOutput(serializers.Serializer):
    name = serializers.CharField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    base = serializers.SerializerMethodField(help_text="The lines' amount the rate is on.")
    amount = serializers.SerializerMethodField(help_text="The tax at this rate.")

    @extend_schema_field(MoneyField("base"))
    def get_base(self, tax_line) -> str:
        return str(money_round(tax_line.base, self.context["currency"]))

    @extend_schema_field(MoneyField("amount"))
    def get_amount(self, tax_line) -> str:
        return str(money_round(tax_line.amount, self.context["currency"]))


class InvoiceDetailOutput(InvoiceOutput):
    lines = InvoiceLineOutput(many=True, help_text="Empty for an uploaded invoice.")
    taxes = serializers.SerializerMethodField(
        help_text="The tax at each rate the lines bear, lowest rate first; empty for an "
        "uploaded invoice (its tax is as given)."
    )

    credited = serializers.SerializerMethodField(
        help_text='What its credit notes give back, tax included ("0.00" without any).'
    )

    @extend_schema_field(MoneyField("credited"))
    def get_credited(self, invoice) -> str:
        return str(money_round(credited_total(invoice), currency_get(invoice.currency)))

    @extend_schema_field(TaxLineOutput(many=True))
    def get_taxes(self, invoice) -> list[dict]:
        if invoice.kind != InvoiceKind.BUILT:
            return []
        context = {"currency": currency_get(invoice.currency)}
        return TaxLineOutput(invoice_taxes(invoice), many=True, context=context).data


class InvoiceLineInput(serializers.Serializer):
    description = serializers.CharField(max_length=300)
    quantity = serializers.DecimalField(
        max_digits=10, decimal_places=2, validators=[validation.validate_quantity]
    )
    unit_price = serializers.DecimalField(
        max_digits=16,
        decimal_places=validation.UNIT_PRICE_PLACES,
        validators=[validation.validate_unit_price],
        help_text="May be negative, for a discount line.",
    )
    tax_rate = serializers.PrimaryKeyRelatedField(
        queryset=TaxRate.objects.all(),
        allow_null=True,
        default=None,
        help_text="The id of one of the agency's tax rates (not archived); null for no tax.",
    )


# Inputs to create (every required field) and, with partial=True, to change a draft (only
# what is given; defaults then do not apply).
class InvoiceInput(serializers.Serializer):
    number = serializers.CharField(max_length=40, validators=[validation.validate_number])
    currency = serializers.CharField(
        validators=[validation.validate_currency], help_text="ISO 4217, e.g. EUR."
    )
    issue_date = serializers.DateField(default=agency_today, help_text="Today if left out.")
    due_date = serializers.DateField()
    payment_url = serializers.CharField(
        max_length=500,
        allow_blank=True,
        default="",
        validators=[validation.validate_payment_url],
        help_text="Optional https:// link where the client pays.",
    )
    notes = serializers.CharField(max_length=2000, allow_blank=True, default="")


class InvoiceBuiltInput(InvoiceInput):
    lines = InvoiceLineInput(many=True, max_length=validation.MAX_LINES, default=list)

    def validate(self, attrs):
        if "tax_rate" in self.initial_data:  # the one rate an invoice used to have
            raise serializers.ValidationError(
                {"tax_rate": ["Tax is per line: give each line a tax_rate (a rate's id)."]}
            )
        return attrs


def _amount(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=15, decimal_places=3, **kwargs)


class InvoiceUploadedInput(InvoiceInput):
    subtotal = _amount(help_text="The amount before tax, as on the PDF.")
    tax = _amount(default=Decimal(0), help_text="The tax amount, as on the PDF.")
    pdf = serializers.FileField(help_text="The invoice, sniffed: it must be a PDF.")


class ForCompany(serializers.Serializer):
    company = VisibleCompanyField(
        queryset=ClientCompany.objects.all(), help_text="The client company billed."
    )


class InvoiceBuiltCreate(ForCompany, InvoiceBuiltInput):
    pass


class InvoiceUploadedCreate(ForCompany, InvoiceUploadedInput):
    pass


class InvoicesApi(ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser, MultiPartParser]
    serializer_class = InvoiceOutput

    pagination_class = NewestFirst

    def get_serializer_context(self):
        return super().get_serializer_context() | {"actor": actor_for(self.request)}

    def get_queryset(self):
        actor = actor_for(self.request)
        form = InvoiceListForm(
            self.request.query_params,
            companies=visible_companies(actor) if actor.is_team else None,
        )
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    field: [e["message"] for e in errors]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        return form.apply(visible_invoices(actor))

    @extend_schema(
        summary="Invoices the caller can see",
        description="The team's for the companies they see; a client's finance people and "
        "admins their company's once sent; approvers and viewers none.",
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=["unpaid", *InvoiceStatus.values],
                description="`unpaid`: sent, pending payment or overdue.",
            ),
            OpenApiParameter("company", OpenApiTypes.INT, description="A client company id."),
            OpenApiParameter("q", OpenApiTypes.STR, description="Part of an invoice number."),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request={
            "application/json": InvoiceBuiltCreate,
            "multipart/form-data": InvoiceUploadedCreate,
        },
        responses={201: InvoiceDetailOutput},
        summary="Create a draft invoice (team)",
        description="JSON with `lines` builds the invoice and renders its PDF; each line may "
        "bear one of the agency's tax rates (`tax_rate`, its id), and the tax is worked out "
        "per rate on the sum of its lines. multipart/form-data with a `pdf` part uploads one "
        "made elsewhere. Amounts are rounded half up to the currency's minor unit. A "
        "duplicate number, a due date before the issue date, no lines, a quantity of zero or "
        "less, an unknown or archived tax rate, an unknown currency or a file that is not a "
        "PDF is a 400 naming the field, and nothing is saved.",
    )
    def post(self, request):
        actor = actor_for(request)
        require(actor, "invoices.create", request=request)
        uploading = request.content_type.startswith("multipart/")
        form = (InvoiceUploadedCreate if uploading else InvoiceBuiltCreate)(
            data=request.data, context={"actor": actor}
        )
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        require(actor, "invoices.create", data["company"], request=request)
        action = actions.invoice_upload if uploading else actions.invoice_create
        created = action(actor=actor.user, request=request, **data)
        return Response(
            InvoiceDetailOutput(created, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-invoice", args=(created.pk,))},
        )


class OneInvoice(APIView):
    # For views under /invoices/{id}: that invoice, if the caller can see it, else a 404.
    # A comment, not a docstring: the schema would show it on every operation.
    permission_classes = [Allowed.to("workspace.use")]

    @property
    def actor(self) -> Actor:
        return actor_for(self.request)

    def invoice(self) -> Invoice:
        invoices = visible_invoices(self.actor).select_related("pdf")
        invoice = get_object_or_404(invoices, pk=self.kwargs["invoice_id"])
        require(self.actor, "invoice.view", invoice, request=self.request)
        return invoice

    def output(self, invoice: Invoice) -> dict:
        lines = InvoiceLine.objects.select_related("tax_rate")
        invoice = (
            visible_invoices(self.actor)
            .prefetch_related(Prefetch("lines", queryset=lines))
            .get(pk=invoice.pk)
        )
        context = {"request": self.request, "actor": self.actor}
        return InvoiceDetailOutput(invoice, context=context).data


class InvoiceApi(OneInvoice):
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(responses=InvoiceDetailOutput, summary="One invoice, with its lines")
    def get(self, request, invoice_id):
        return Response(self.output(self.invoice()))

    @extend_schema(
        request={
            "application/json": InvoiceBuiltInput,
            "multipart/form-data": InvoiceUploadedInput,
        },
        responses=InvoiceDetailOutput,
        summary="Change a draft (team)",
        description="Give only what changes; all or nothing. A built invoice takes lines, "
        "each with its `tax_rate` (and its PDF is rendered again), an uploaded one amounts and "
        "optionally a new `pdf`. A sent invoice is final: a 400.",
    )
    def patch(self, request, invoice_id):
        invoice = self.invoice()
        require(self.actor, "invoice.manage", invoice, request=request)
        built = invoice.kind == InvoiceKind.BUILT
        form = (InvoiceBuiltInput if built else InvoiceUploadedInput)(
            data=request.data, partial=True
        )
        form.is_valid(raise_exception=True)
        other = set(request.data) - set(form.fields)
        misplaced = other & (set(InvoiceBuiltInput().fields) | set(InvoiceUploadedInput().fields))
        if misplaced:
            raise serializers.ValidationError(
                {
                    field: [f"{invoice.get_kind_display()} invoices have no {field}."]
                    for field in sorted(misplaced)
                }
            )
        actions.invoice_update(
            invoice=invoice, actor=self.actor.user, request=request, **form.validated_data
        )
        return Response(self.output(invoice))


class InvoiceMoveApi(OneInvoice):
    # One status change, by name (MOVES); subclasses are made per move below.
    parser_classes = [JSONParser]
    move = ""

    class InvoiceMoveInput(serializers.Serializer):
        note = serializers.CharField(
            max_length=500,
            required=False,
            default="",
            allow_blank=True,
            help_text="Optional: why, or a payment reference; kept in the history.",
        )

    def post(self, request, invoice_id):
        invoice = self.invoice()
        require(self.actor, MOVE_PERMISSIONS[MOVES[self.move].by], invoice, request=request)
        form = self.InvoiceMoveInput(data=request.data)
        form.is_valid(raise_exception=True)
        actions.invoice_move(
            invoice=invoice,
            move=self.move,
            actor=self.actor.user,
            note=form.validated_data["note"],
            request=request,
        )
        return Response(self.output(invoice))


def _move_api(name: str) -> type[InvoiceMoveApi]:
    move = MOVES[name]
    who = "team" if move.by == "team" else "the client's finance people and admins"
    sources = ", ".join(sorted(InvoiceStatus(source).label.lower() for source in move.sources))
    post = extend_schema(
        request=InvoiceMoveApi.InvoiceMoveInput,
        responses={
            200: InvoiceDetailOutput,
            400: OpenApiResponse(description="The invoice's status does not allow this."),
        },
        summary=f"{move.label} ({who})",
        description=f"From {sources} to {InvoiceStatus(move.target).label.lower()}.",
    )(InvoiceMoveApi.post)
    return type(
        f"Invoice{name.title().replace('_', '')}Api",
        (InvoiceMoveApi,),
        {"move": name, "post": post},
    )


move_apis = {name: _move_api(name) for name, move in MOVES.items() if move.by in MOVE_PERMISSIONS}


class InvoicePdfApi(OneInvoice):
    def perform_content_negotiation(self, request, force=False):
        # The file is the answer whatever Accept says; refusals stay JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such invoice, or not one the caller may see."),
        },
        summary="Download an invoice's PDF",
        description="Always as an attachment.",
    )
    def get(self, request, invoice_id):
        invoice = self.invoice()
        if invoice.pdf is None:
            raise serializers.ValidationError({"pdf": ["This invoice has no PDF."]})
        return file_download_response(invoice.pdf)


class NextNumberApi(APIView):
    permission_classes = [Allowed.to("invoices.create")]

    class Output(serializers.Serializer):
        number = serializers.CharField(help_text="The number after the latest invoice's.")

    @extend_schema(responses=Output, summary="Suggest the next invoice number (team)")
    def get(self, request):
        return Response(self.Output({"number": invoice_number_suggest()}).data)


# The agency's invoice details and tax rates


class LegalDetailsApi(APIView):
    """What every invoice says about who issues it and how to pay it by transfer."""

    permission_classes = [Allowed.to("invoicing.configure")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        company_name = serializers.CharField(max_length=200, allow_blank=True, required=False)
        address = serializers.CharField(max_length=500, allow_blank=True, required=False)
        tax_id = serializers.CharField(max_length=40, allow_blank=True, required=False)
        bank_name = serializers.CharField(max_length=100, allow_blank=True, required=False)
        iban = serializers.CharField(
            max_length=42,
            allow_blank=True,
            required=False,
            help_text="Spaces allowed; the check digits are checked.",
        )
        bic = serializers.CharField(max_length=14, allow_blank=True, required=False)
        account_details = serializers.CharField(
            max_length=300,
            allow_blank=True,
            required=False,
            help_text="Other bank details (account number and sort code...), free text.",
        )
        payment_terms = serializers.CharField(max_length=500, allow_blank=True, required=False)
        payment_days = serializers.IntegerField(
            min_value=0,
            max_value=validation.MAX_PAYMENT_DAYS,
            required=False,
            help_text="Days from issue to due date on a new invoice.",
        )

    class Output(serializers.Serializer):
        company_name = serializers.CharField()
        address = serializers.CharField()
        tax_id = serializers.CharField()
        bank_name = serializers.CharField()
        iban = serializers.CharField(help_text="Without spaces, in capitals.")
        bic = serializers.CharField()
        account_details = serializers.CharField()
        payment_terms = serializers.CharField()
        payment_days = serializers.IntegerField()

    @extend_schema(responses=Output, summary="The agency's invoice details (owners, admins)")
    def get(self, request):
        return Response(self.Output(legal_details()).data)

    @extend_schema(
        request=Input,
        responses=Output,
        summary="Change the agency's invoice details (owners, admins)",
        description="Any subset; all or nothing. An IBAN whose check digits do not match, a "
        "BIC not of 8 or 11 characters or a tax ID with other than letters, digits, spaces "
        "and . / - is a 400 naming the field. Invoices already rendered keep their details.",
    )
    def patch(self, request):
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        details = actions.legal_details_update(
            actor=request.user, request=request, **form.validated_data
        )
        return Response(self.Output(details).data)


class TaxRatesApi(APIView):
    permission_classes = [Allowed.to("invoices.create")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=60, help_text="As invoices print it, e.g. VAT.")
        percent = serializers.DecimalField(
            max_digits=5, decimal_places=2, validators=[validation.validate_tax_rate]
        )

    @extend_schema(
        responses=TaxRateOutput(many=True),
        summary="The agency's tax rates (team)",
        description="Offered ones first, then archived ones (which no new line may bear).",
        parameters=[
            OpenApiParameter(
                "archived",
                OpenApiTypes.BOOL,
                description="true: archived rates only; false: offered ones only.",
            )
        ],
    )
    def get(self, request):
        archived = request.query_params.get("archived")
        if archived not in (None, "true", "false"):
            raise serializers.ValidationError({"archived": ["Give true or false."]})
        rates = tax_rates(archived=None if archived is None else archived == "true")
        rates = rates.order_by("archived_at", "percent", "name")
        return Response(TaxRateOutput(rates, many=True).data)

    @extend_schema(
        request=Input,
        responses={201: TaxRateOutput},
        summary="Add a tax rate (owners, admins)",
        description="A name another offered rate has, or a percentage outside 0-100, is a "
        "400 naming the field.",
    )
    def post(self, request):
        require(actor_for(request), "invoicing.configure", request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        rate = actions.tax_rate_create(actor=request.user, request=request, **form.validated_data)
        return Response(
            TaxRateOutput(rate).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-tax-rate", args=(rate.pk,))},
        )


class TaxRateApi(APIView):
    permission_classes = [Allowed.to("invoices.create")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=60, required=False)
        percent = serializers.DecimalField(
            max_digits=5,
            decimal_places=2,
            required=False,
            validators=[validation.validate_tax_rate],
        )
        archived = serializers.BooleanField(
            required=False, help_text="true to stop offering it; false to offer it again."
        )

    def rate(self) -> TaxRate:
        return get_object_or_404(TaxRate, pk=self.kwargs["rate_id"])

    @extend_schema(responses=TaxRateOutput, summary="One tax rate (team)")
    def get(self, request, rate_id):
        return Response(TaxRateOutput(self.rate()).data)

    @extend_schema(
        request=Input,
        responses=TaxRateOutput,
        summary="Rename, re-rate or archive a tax rate (owners, admins)",
        description="A rate on some invoice line is fixed: changing its name or percentage is "
        "a 400 (archive it and add another). Archiving is always allowed.",
    )
    def patch(self, request, rate_id):
        require(actor_for(request), "invoicing.configure", request=request)
        rate = self.rate()
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        archived = data.pop("archived", None)
        with transaction.atomic():
            if data:
                rate = actions.tax_rate_update(
                    rate=rate, actor=request.user, request=request, **data
                )
            if archived is not None:
                rate = actions.tax_rate_archive(
                    rate=rate, archived=archived, actor=request.user, request=request
                )
        return Response(TaxRateOutput(rate).data)

    @extend_schema(
        responses={204: None, 400: OpenApiResponse(description="The rate is on invoices.")},
        summary="Delete a tax rate no invoice uses (owners, admins)",
    )
    def delete(self, request, rate_id):
        require(actor_for(request), "invoicing.configure", request=request)
        actions.tax_rate_delete(rate=self.rate(), actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Credit notes


class CreditNoteOutput(serializers.Serializer):
    class Line(serializers.Serializer):
        position = serializers.IntegerField()
        description = serializers.CharField()
        invoice_line = serializers.IntegerField(
            source="invoice_line_id", allow_null=True, help_text="The line credited, if any."
        )
        amount = serializers.SerializerMethodField(help_text="Before tax.")
        tax_percent = serializers.DecimalField(max_digits=5, decimal_places=2)

        @extend_schema_field(MoneyField("amount"))
        def get_amount(self, line) -> str:
            return str(money_round(line.amount, self.context["currency"]))

    id = serializers.IntegerField()
    number = serializers.CharField()
    issue_date = serializers.DateField()
    reason = serializers.CharField()
    subtotal = serializers.SerializerMethodField()
    tax = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()
    lines = Line(many=True)
    pdf_url = serializers.SerializerMethodField()

    def _money(self, value) -> str:
        return str(money_round(value, self.context["currency"]))

    @extend_schema_field(MoneyField("subtotal"))
    def get_subtotal(self, note) -> str:
        return self._money(note.subtotal)

    @extend_schema_field(MoneyField("tax"))
    def get_tax(self, note) -> str:
        return self._money(note.tax)

    @extend_schema_field(MoneyField("total"))
    def get_total(self, note) -> str:
        return self._money(note.total)

    @extend_schema_field(OpenApiTypes.URI)
    def get_pdf_url(self, note) -> str:
        path = reverse("api-credit-note-pdf", args=(note.invoice_id, note.pk))
        return self.context["request"].build_absolute_uri(path)


class CreditNotesApi(OneInvoice):
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        reason = serializers.CharField(max_length=500, help_text="Printed; the client sees it.")
        lines = serializers.ListField(
            child=serializers.IntegerField(),
            required=False,
            max_length=validation.MAX_LINES,
            help_text="Ids of the invoice's lines to credit, each in full with its tax.",
        )
        amount = serializers.DecimalField(
            max_digits=15,
            decimal_places=3,
            required=False,
            help_text="An amount to credit, tax included (its tax in the invoice's proportion).",
        )

        def validate(self, attrs):
            if "lines" in attrs and "amount" in attrs:
                raise serializers.ValidationError(
                    {"amount": ["Credit lines or an amount, not both."]}
                )
            return attrs

    def _context(self, invoice) -> dict:
        return {"request": self.request, "currency": currency_get(invoice.currency)}

    @extend_schema(
        responses=CreditNoteOutput(many=True),
        summary="An invoice's credit notes",
        description="For whoever sees the invoice (its client's finance people and admins too).",
    )
    def get(self, request, invoice_id):
        invoice = self.invoice()
        notes = invoice_credit_notes(invoice)
        return Response(CreditNoteOutput(notes, many=True, context=self._context(invoice)).data)

    @extend_schema(
        request=Input,
        responses={201: CreditNoteOutput},
        summary="Credit an invoice in part or in full (team)",
        description="Give `lines` (each credited in full, with its tax) or an `amount` (tax "
        "included), or neither to credit all that is left. More than is left, a line credited "
        "already, a line of another invoice, or a draft or void invoice is a 400 naming the "
        "field, and nothing is written.",
    )
    def post(self, request, invoice_id):
        invoice = self.invoice()
        require(self.actor, "invoice.manage", invoice, request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        note = actions.credit_note_create(
            invoice=invoice, actor=self.actor.user, request=request, **form.validated_data
        )
        note = invoice_credit_notes(invoice).get(pk=note.pk)
        return Response(
            CreditNoteOutput(note, context=self._context(invoice)).data,
            status=status.HTTP_201_CREATED,
        )


class CreditNotePdfApi(OneInvoice):
    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="Download a credit note's PDF",
    )
    def get(self, request, invoice_id, note_id):
        invoice = self.invoice()
        note = get_object_or_404(
            CreditNote.objects.select_related("pdf"), invoice=invoice, pk=note_id
        )
        return file_download_response(note.pdf)
