"""Kit sync: the buyer changes or removes a binding (flag 2 / 0, §1.9). Each KitSync names
its binding and the operation it belongs to; existing rows are bind calls of the binding
their purchased service has."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def link_bindings(apps, schema_editor):
    KitSync = apps.get_model("orders", "KitSync")
    TenantBinding = apps.get_model("orders", "TenantBinding")
    binding = TenantBinding.objects.filter(subscription_id=OuterRef("subscription_id"))
    KitSync.objects.filter(binding__isnull=True).update(
        binding_id=Subquery(binding.values("pk")[:1])
    )


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0006_verbose_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='kitsync',
            name='binding',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='kit_syncs', to='orders.tenantbinding', verbose_name='tenant binding'),
        ),
        migrations.AddField(
            model_name='kitsync',
            name='operation',
            field=models.CharField(choices=[('bind', 'Bind'), ('modify', 'Rename'), ('unbind', 'Unbind')], default='bind', max_length=10, verbose_name='operation'),
        ),
        migrations.AddField(
            model_name='tenantbinding',
            name='unbind_requested_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='unbinding since'),
        ),
        migrations.AlterField(
            model_name='kitsync',
            name='status',
            field=models.CharField(choices=[('pending', 'Waiting to be sent'), ('succeeded', 'Succeeded'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], default='pending', max_length=10, verbose_name='status'),
        ),
        migrations.RunPython(link_bindings, migrations.RunPython.noop),
    ]
