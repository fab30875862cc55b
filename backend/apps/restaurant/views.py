from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.restaurant.models import get_restaurant
from apps.restaurant.serializers import RestaurantSerializer


class RestaurantView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=RestaurantSerializer)
    def get(self, request: Request) -> Response:
        return Response(RestaurantSerializer(get_restaurant()).data)
