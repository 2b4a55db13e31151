from decimal import Decimal

from django.db import migrations

# The six criteria of 物业服务评定, with weights the admin may change later.
CRITERIA = [
    ("cleaning", "保洁", "Cleaning", Decimal("20"), 1),
    ("order_security", "秩序安保", "Order and security", Decimal("20"), 2),
    ("repair", "维修", "Repairs", Decimal("20"), 3),
    ("greening", "绿化", "Greening", Decimal("10"), 4),
    ("responsiveness", "响应速度", "Speed of response", Decimal("15"), 5),
    ("attitude", "服务态度", "Attitude", Decimal("15"), 6),
]


def seed(apps, schema_editor):
    RatingCriterion = apps.get_model("governance", "RatingCriterion")
    for code, name_zh, name_en, weight, position in CRITERIA:
        RatingCriterion.objects.update_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en, "weight": weight, "position": position}
        )


def unseed(apps, schema_editor):
    apps.get_model("governance", "RatingCriterion").objects.filter(code__in=[c[0] for c in CRITERIA]).delete()


class Migration(migrations.Migration):
    dependencies = [("governance", "0004_governance_topics")]

    operations = [migrations.RunPython(seed, unseed)]
