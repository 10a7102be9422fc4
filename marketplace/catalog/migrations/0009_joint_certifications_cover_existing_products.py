"""Certifications approved before they named their products cover every joint product
of their seller (issue 6 item 9): the products already on sale or in the making stay
publishable, and a new joint product needs a certification naming it."""

from django.db import migrations

JOINT_TYPES = ["joint_saas"]


def cover(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    JointCertification = apps.get_model("sellers", "JointCertification")
    for certification in JointCertification.objects.filter(status="approved"):
        products = Product.objects.filter(
            seller_id=certification.seller_id, delivery_type__in=JOINT_TYPES
        )
        certification.products.add(*products)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_product_joint_certifications_delistrequest"),
        (
            "sellers",
            "0004_remove_jointcertification_one_open_joint_certification_per_seller_and_more",
        ),
    ]

    operations = [migrations.RunPython(cover, migrations.RunPython.noop)]
