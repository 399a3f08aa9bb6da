from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("activity", "0003_refuse_update_and_delete_of_entries")]

    operations = [
        migrations.AddField(
            model_name="activityentry",
            name="personal_salt",
            field=models.CharField(blank=True, max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="activityentry",
            name="personal_digest",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
    ]
