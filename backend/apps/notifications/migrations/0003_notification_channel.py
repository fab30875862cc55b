from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='channel',
            field=models.CharField(choices=[('email', 'Email'), ('sms', 'Sms')], default='email', max_length=10),
        ),
        migrations.AlterField(
            model_name='notification',
            name='recipient',
            field=models.CharField(blank=True, help_text='E-mail address or phone number.', max_length=300),
        ),
        migrations.AlterField(
            model_name='notification',
            name='backend',
            field=models.CharField(help_text='E-mail backend or SMS provider used.', max_length=200),
        ),
    ]
