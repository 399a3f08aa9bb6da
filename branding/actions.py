from branding.models import Brand


def brand_create_default(*, agency) -> Brand:
    return Brand.objects.create(agency=agency, portal_name=agency.name)
