"""Data migration: compute the name and e-mail keys of the accounts that exist.

Accounts that signed up before e-mail verification existed keep `email_verified_at`
empty: they verify like everyone else before applying to sell. Where two existing
accounts share an e-mail address (allowed until now) the oldest keeps the key and the
others get none, so the unique constraint of the next migration can be created; their
address stays as it was and they can change it in the admin.
"""

from django.db import migrations


def fill_keys(apps, schema_editor):
    from marketplace.accounts.names import email_key, name_key

    User = apps.get_model("accounts", "User")
    seen_names: set[str] = set()
    seen_emails: set[str] = set()
    for user in User.objects.order_by("date_joined", "pk").iterator():
        user.name_key = name_key(user.username)
        if user.name_key in seen_names:
            # A look-alike of an older name: keep the account, make its key distinct.
            user.name_key = f"{user.name_key}#{user.pk}"
        seen_names.add(user.name_key)
        key = email_key(user.email)
        user.email_key = "" if key in seen_emails else key
        if key:
            seen_emails.add(key)
        user.save(update_fields=["name_key", "email_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_email_verified_at_name_key_email_key"),
    ]

    operations = [migrations.RunPython(fill_keys, migrations.RunPython.noop)]
