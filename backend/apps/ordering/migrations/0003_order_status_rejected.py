from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ordering', '0002_cart_fulfilment'),
    ]

    operations = [
        migrations.AlterField(
            model_name='order',
            name='status',
            field=models.CharField(choices=[('placed', 'Placed'), ('confirmed', 'Confirmed'), ('preparing', 'Preparing'), ('ready', 'Ready'), ('out_for_delivery', 'Out For Delivery'), ('completed', 'Completed'), ('cancelled', 'Cancelled'), ('rejected', 'Rejected')], default='placed', max_length=20),
        ),
    ]
