"""The peer of bench/run: what a user might write instead of erp-connector, a Python spyne
service answering the same requests of IErpConnectorWS (MessageContract shape, the namespaces of
the spec) over the same sqlite-erp database. It implements what bench/run loads it with:
WSGetActors and WSTestConnection, reading the same columns.

Run: ERP_DB=erp.sqlite gunicorn -w 2 -b 127.0.0.1:18092 spyne_erp:application
"""

import os
import sqlite3

from spyne import Application, Boolean, ComplexModel, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

EIS = "http://www.superoffice.net/EIS/Connector/1.0"
ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"

# Field key -> column of the company table (as examples/sqlite-erp/src/fields.rs).
COLUMNS = {
    "NAME": "name", "NUMBER1": "number", "VATNO": "vat_no", "EMAIL": "email", "PHONE": "phone",
    "STREETAD1": "street", "STREETZIP": "zip", "STREETCITY": "city", "COUNTRY": "country",
    "CURRENCY": "currency", "PAYMENT_TERMS": "payment_terms",
}


class ArrayOfstring(ComplexModel):
    __namespace__ = ARRAYS
    __type_name__ = "ArrayOfstring"
    string = Unicode(max_occurs="unbounded")


class KeyValueOfstringstring(ComplexModel):
    __namespace__ = ARRAYS
    _type_info = [("Key", Unicode), ("Value", Unicode)]


class ArrayOfKeyValueOfstringstring(ComplexModel):
    __namespace__ = ARRAYS
    KeyValueOfstringstring = KeyValueOfstringstring.customize(max_occurs="unbounded")


class ErpActorWS(ComplexModel):
    __namespace__ = EIS
    _type_info = [
        ("ActorType", Unicode), ("ErpKey", Unicode), ("FieldValues", ArrayOfKeyValueOfstringstring),
        ("LastModified", Unicode), ("ParentActorType", Unicode), ("ParentErpKey", Unicode),
    ]


class ArrayOfErpActorWS(ComplexModel):
    __namespace__ = EIS
    ErpActorWS = ErpActorWS.customize(max_occurs="unbounded")


STATUS_NAMES = ("ErrorCode", "IsOk", "State", "TechExplanation", "UserExplanation")


def connect():
    conn = sqlite3.connect(os.environ["ERP_DB"], check_same_thread=False)
    conn.execute("PRAGMA query_only = 1")
    return conn


DB = connect()


class ErpConnectorWS(ServiceBase):
    @rpc(Unicode, Unicode, ArrayOfstring, ArrayOfstring,
         _in_message_name="GetActorsRequestWS",
         _in_variable_names={"actor_type": "ActorType", "guid": "ConnectionGuid", "erp_keys": "ErpKeys", "field_keys": "FieldKeys"},
         _out_message_name="ActorArrayPluginResponseWS",
         _returns=(ArrayOfErpActorWS, Unicode, Boolean, Unicode, Unicode, Unicode),
         _out_variable_names=("Actors",) + STATUS_NAMES)
    def WSGetActors(ctx, actor_type, guid, erp_keys, field_keys):
        keys = [int(k) for k in (erp_keys.string if erp_keys else []) or [] if k.isdigit()]
        fields = [f for f in (field_keys.string if field_keys else []) or [] if f in COLUMNS]
        columns = ", ".join(["id", "changed"] + [COLUMNS[f] for f in fields])
        marks = ", ".join("?" * len(keys)) or "NULL"
        rows = DB.execute(f"SELECT {columns} FROM company WHERE kind = 'C' AND id IN ({marks}) ORDER BY id", keys)
        actors = []
        for row in rows:
            values = [KeyValueOfstringstring(Key=f, Value=v or "") for f, v in zip(fields, row[2:])]
            actors.append(ErpActorWS(ActorType="Customer", ErpKey=str(row[0]), LastModified="%012d" % row[1],
                                     FieldValues=ArrayOfKeyValueOfstringstring(KeyValueOfstringstring=values)))
        return ArrayOfErpActorWS(ErpActorWS=actors), None, True, "Ok", None, None

    @rpc(Unicode,
         _in_message_name="RequestBaseWS",
         _in_variable_names={"guid": "ConnectionGuid"},
         _out_message_name="ConnectorResultBaseWS",
         _returns=(Unicode, Boolean, Unicode, Unicode, Unicode),
         _out_variable_names=STATUS_NAMES)
    def WSTestConnection(ctx, guid):
        DB.execute("SELECT count(*) FROM company").fetchone()
        return None, True, "Ok", None, None


application = WsgiApplication(Application([ErpConnectorWS], tns=EIS, in_protocol=Soap11(), out_protocol=Soap11()))
