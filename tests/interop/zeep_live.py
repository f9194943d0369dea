"""Python's zeep against a live connector: loads URL?wsdl (in whichever profile it describes),
calls all 17 operations with the plan of tests/interop/wcf/ErpClient.cs, and prints each answer as one line `call<TAB>json`, in the JSON
shape of erp_connector::testkit::to_json (dictionaries as [key, value] pairs, arrays as lists),
normalised for what zeep cannot tell apart: "" reads as None and an empty array as None.

usage: zeep_live.py URL CONNECTION_GUID
"""

import json
import sys

import zeep
from zeep.helpers import serialize_object

CUSTOMER_FIELDS = ["NAME", "EMPLOYEES", "TURNOVER", "CURRENCY", "ACTIVE", "FOUNDED"]
PERSON_FIELDS = ["FIRSTNAME", "LASTNAME"]
WRAPPERS = {"string", "KeyValueOfstringstring", "ErpActorWS", "FieldMetadataInfoWS", "SearchRestrictionInfoWS"}


def strings(items):
    return {"string": items}


def dictionary(pairs):
    return {"KeyValueOfstringstring": [{"Key": k, "Value": v} for k, v in pairs]}


def plain(value):
    """zeep's answer in the shape of to_json."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in WRAPPERS:
            (name, items), = value.items()
            items = items or []
            if name == "KeyValueOfstringstring":
                return plain([[e["Key"], e["Value"]] for e in items])
            return plain(items)
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value] or None
    if value == "":
        return None
    return value


def main():
    url, guid = sys.argv[1:3]
    client = zeep.Client(url + "?wsdl")
    service = client.create_service(next(iter(client.wsdl.bindings)), url)
    config = dictionary([("COMPANY", "Acme & <Co>"), ("CURRENCY", "NOK"), ("PASSWORD", None)])
    plan = [
        ("WSGetConfigData", {}),
        ("WSTestConfigData", {"ConnectionInfo": config}),
        ("WSSaveConnection", {"ConnectionGuid": guid, "ConnectionInfo": config}),
        ("WSTestConnection", {"ConnectionGuid": guid}),
        ("WSGetSupportedActorTypes", {"ConnectionGuid": guid}),
        ("WSGetSupportedActorTypeFields", {"ConnectionGuid": guid, "ActorType": "Customer"}),
        ("WSGetSearchableFields", {"ConnectionGuid": guid, "ActorType": "Customer"}),
        ("WSGetActors", {"ConnectionGuid": guid, "ActorType": "Customer",
                         "ErpKeys": strings(["1001", "1002", "1003"]), "FieldKeys": strings(CUSTOMER_FIELDS)}),
        ("WSSearchActors", {"ConnectionGuid": guid, "ActorType": "Customer", "SearchText": "senter",
                            "FieldKeys": strings(CUSTOMER_FIELDS)}),
        ("WSSearchActorByParent", {"ConnectionGuid": guid, "ActorType": "Person", "SearchText": "",
                                   "ParentActorType": "Customer", "ParentActorErpKey": "1001",
                                   "FieldKeys": strings(PERSON_FIELDS)}),
        ("WSSearchActorsAdvanced", {"ConnectionGuid": guid, "ActorType": "Customer",
                                    "Restrictions": {"SearchRestrictionInfoWS": [
                                        {"FieldKey": "EMPLOYEES", "Operator": ">=", "Values": strings(["[I:10]"])}]},
                                    "FieldKeys": strings(["NAME", "EMPLOYEES"])}),
        ("WSCreateActor", {"ConnectionGuid": guid, "Actor": {
            "ActorType": "Customer", "ErpKey": "", "LastModified": "",
            "FieldValues": dictionary([("NAME", "Ny Kunde & Co"), ("EMPLOYEES", "[I:5]")])}}),
        ("WSSaveActors", {"ConnectionGuid": guid, "Actors": {"ErpActorWS": [{
            "ActorType": "Customer", "ErpKey": "1002", "LastModified": "0000000002",
            "FieldValues": dictionary([("NAME", "Æbeltoft & Søn A/S")])}]}}),
        ("WSGetList", {"ConnectionGuid": guid, "ListName": "currencies"}),
        ("WSGetList", {"ConnectionGuid": guid, "ListName": "regions"}),
        ("WSGetListItems", {"ConnectionGuid": guid, "ListName": "currencies", "ListItemKeys": strings(["SEK", "XXX"])}),
        ("WSGetActorsByTimestamp", {"ConnectionGuid": guid, "UpdatedOnOrAfter": "0000000004", "ActorType": "Person",
                                    "FieldKeys": strings(PERSON_FIELDS)}),
        ("WSDeleteConnection", {"ConnectionGuid": guid}),
        ("WSTestConnection", {"ConnectionGuid": guid}),
        ("WSGetConfigData", {}),
    ]
    for op, kwargs in plan:
        call = getattr(service, op)
        try:
            answer = call(**kwargs)
        except TypeError:
            # A wrapped profile's WSDL: the members are those of the one parameter, `request`.
            answer = call(request=kwargs)
        print(op + "\t" + json.dumps(plain(serialize_object(answer)), ensure_ascii=False))


if __name__ == "__main__":
    main()
