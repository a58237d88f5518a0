"""Read-only representations of the chain's geography for the API."""

from rest_framework import serializers

from branches.models import Branch, BranchGroup, City, Region


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class NestedRegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class NestedCitySerializer(serializers.ModelSerializer):
    class Meta:
        model = City
        fields = ["id", "name"]


class CitySerializer(serializers.ModelSerializer):
    region = NestedRegionSerializer(read_only=True)

    class Meta:
        model = City
        fields = ["id", "name", "region"]


class BranchSerializer(serializers.ModelSerializer):
    region = NestedRegionSerializer(read_only=True)
    city = NestedCitySerializer(read_only=True)

    class Meta:
        model = Branch
        fields = ["id", "code", "name", "region", "city", "address", "sap_plant", "smarket_id",
                  "setretail_shop", "opened", "closed"]


class BranchGroupSerializer(serializers.ModelSerializer):
    branches = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True,
                                            help_text="Branch codes of the group.")

    class Meta:
        model = BranchGroup
        fields = ["id", "name", "branches"]
