"""Seed the eleven request categories (editable afterwards in the admin)."""

from django.db import migrations

# code, Chinese name, English name, hours to take, hours to resolve
CATEGORIES = [
    ("repair", "维修", "Repair", 24, 72),
    ("plumbing", "上下水与排污", "Plumbing and sewage", 24, 48),
    ("lighting", "照明", "Lighting", 24, 72),
    ("lift", "电梯", "Lift", 24, 24),
    ("cleaning", "保洁与环境", "Cleaning and environment", 24, 48),
    ("greening", "绿化", "Greening", 24, 168),
    ("parking", "停车", "Parking", 24, 72),
    ("security", "安防", "Security", 24, 48),
    ("noise", "噪音与邻里", "Noise and neighbours", 24, 72),
    ("suggestion", "意见建议", "Suggestion", 24, 168),
    ("other", "其他", "Other", 24, 72),
]


def seed(apps, schema_editor):
    RequestCategory = apps.get_model("governance", "RequestCategory")
    for position, (code, name_zh, name_en, take_within, resolve_within) in enumerate(CATEGORIES, start=1):
        RequestCategory.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "take_within": take_within,
                "resolve_within": resolve_within,
                "position": position * 10,
            },
        )


def unseed(apps, schema_editor):
    RequestCategory = apps.get_model("governance", "RequestCategory")
    RequestCategory.objects.filter(code__in=[c[0] for c in CATEGORIES], requests__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
