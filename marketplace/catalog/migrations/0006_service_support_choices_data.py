"""Service forms and scope become lists of choices (02 › Service & support).

Runs before the schema change that turns `ProductVersion.service_forms` and
`service_scope` from free text into JSON lists: it rewrites each text as the JSON list of
the choices it names (by keyword, Chinese or English), so that the column conversion
(`USING ...::jsonb` on PostgreSQL) succeeds, and keeps the original text, which may say
more, at the end of the after-sales support scope.
"""

import json

from django.db import migrations

FORMS = {
    "onsite_emergency": ("现场", "紧急", "on-site", "onsite", "emergency"),
    "periodic_maintenance": ("定期", "periodic"),
    "phone": ("电话", "phone", "telephone"),
    "email": ("邮件", "e-mail", "email", "mail"),
}
SCOPE = {
    "consulting": ("咨询", "consult"),
    "operation_guidance": ("指导", "guid"),
    "running_maintenance": ("运行", "运维", "维护", "operation", "maintenance", "running"),
}


def _codes(text: str, table: dict) -> list[str]:
    lowered = text.lower()
    return [code for code, words in table.items() if any(w in lowered for w in words)]


def forwards(apps, schema_editor):
    ProductVersion = apps.get_model("catalog", "ProductVersion")
    for version in ProductVersion.objects.only(
        "pk", "service_forms", "service_scope", "after_sales_scope"
    ).iterator():
        forms_text = (version.service_forms or "").strip()
        scope_text = (version.service_scope or "").strip()
        kept = "\n".join(t for t in (forms_text, scope_text) if t)
        after_sales = version.after_sales_scope
        if kept and kept not in after_sales:
            after_sales = f"{after_sales}\n{kept}".strip()
        ProductVersion.objects.filter(pk=version.pk).update(
            service_forms=json.dumps(_codes(forms_text, FORMS)),
            service_scope=json.dumps(_codes(scope_text, SCOPE)),
            after_sales_scope=after_sales,
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_productscreenshot")]
    # Before the schema migration that turns the two columns into JSON.
    run_before = [("catalog", "0006_alter_product_options_alter_productversion_options_and_more")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
