// A WCF client (Mono's System.ServiceModel) for IErpConnectorWS and the Authenticate contract,
// declared the way SuperOffice is assumed to declare them (erp-contract.md §4.5 option A:
// MessageContracts with WCF defaults, DataContract carriers, contract namespace of §4.3). It calls
// all 17 operations and Authenticate with a fixed plan and prints every response, member by
// member, as one JSON line per call, for tests/tests/real_clients.rs to compare with what our own
// reader reads. WCF's reader drops misordered or wrongly namespaced members silently, so a value
// that does not arrive shows up as a difference, not as an error.
//
// usage: mono ErpClient.exe URL CONNECTION_GUID SIGNED_TOKEN

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime.Serialization;
using System.ServiceModel;
using System.Text;

namespace ErpInterop
{
    public static class Ns
    {
        public const string Eis = "http://www.superoffice.net/EIS/Connector/1.0";
        // The placeholder the service answers in by default (auth-protocol.md §5.2: the real one is unknown).
        public const string Auth = "http://www.superoffice.com/superid/connectorauth/0.1";
    }

    [DataContract(Namespace = Ns.Eis)]
    public enum ResponseStateWS { [EnumMember] Ok = 0, [EnumMember] OkWithInfo = 1, [EnumMember] Warning = 2, [EnumMember] Error = 3 }

    [DataContract(Namespace = Ns.Eis)]
    public enum FieldMetadataTypeInfoWS
    {
        [EnumMember] Checkbox = 0, [EnumMember] Text = 1, [EnumMember] Password = 2, [EnumMember] Integer = 3,
        [EnumMember] Double = 4, [EnumMember] List = 5, [EnumMember] Datetime = 6, [EnumMember] Label = 99
    }

    [DataContract(Namespace = Ns.Eis)]
    public enum FieldAccessInfoWS { [EnumMember] Normal = 0, [EnumMember] Mandatory = 1, [EnumMember] ReadOnly = 2 }

    [DataContract(Namespace = Ns.Eis)]
    public class ErpActorWS
    {
        [DataMember] public string ActorType;
        [DataMember] public string ErpKey;
        [DataMember] public Dictionary<string, string> FieldValues;
        [DataMember] public string LastModified;
        [DataMember] public string ParentActorType;
        [DataMember] public string ParentErpKey;
    }

    [DataContract(Namespace = Ns.Eis)]
    public class FieldMetadataInfoWS
    {
        [DataMember] public string FieldKey;
        [DataMember] public string DisplayName;
        [DataMember] public string DisplayDescription;
        [DataMember] public FieldMetadataTypeInfoWS FieldType;
        [DataMember] public string ListName;
        [DataMember] public string DefaultValue;
        [DataMember] public int Rank;
        [DataMember] public int MaxLength;
        [DataMember] public FieldAccessInfoWS Access;
    }

    [DataContract(Namespace = Ns.Eis)]
    public class SearchRestrictionInfoWS
    {
        [DataMember] public string FieldKey;
        [DataMember] public string Operator;
        [DataMember] public string[] Values;
    }

    [MessageContract] public class RequestBaseWS { [MessageBodyMember] public string ConnectionGuid; }
    [MessageContract] public class TestConfigDataRequestWS { [MessageBodyMember] public Dictionary<string, string> ConnectionInfo; }
    [MessageContract] public class SaveConnectionRequestWS : RequestBaseWS { [MessageBodyMember] public Dictionary<string, string> ConnectionInfo; }
    [MessageContract] public class GetSupportedActorTypeFieldsRequestWS : RequestBaseWS { [MessageBodyMember] public string ActorType; }
    [MessageContract] public class GetSearchableFieldsRequestWS : RequestBaseWS { [MessageBodyMember] public string ActorType; }
    [MessageContract]
    public class GetActorsRequestWS : RequestBaseWS
    {
        [MessageBodyMember] public string ActorType;
        [MessageBodyMember] public string[] ErpKeys;
        [MessageBodyMember] public string[] FieldKeys;
    }
    [MessageContract]
    public class SearchActorsRequestWS : RequestBaseWS
    {
        [MessageBodyMember] public string ActorType;
        [MessageBodyMember] public string SearchText;
        [MessageBodyMember] public string[] FieldKeys;
    }
    [MessageContract]
    public class SearchActorByParentRequestWS : RequestBaseWS
    {
        [MessageBodyMember] public string ActorType;
        [MessageBodyMember] public string SearchText;
        [MessageBodyMember] public string ParentActorType;
        [MessageBodyMember] public string ParentActorErpKey;
        [MessageBodyMember] public string[] FieldKeys;
    }
    [MessageContract]
    public class SearchActorsAdvancedRequestWS : RequestBaseWS
    {
        [MessageBodyMember] public string ActorType;
        [MessageBodyMember] public SearchRestrictionInfoWS[] Restrictions;
        [MessageBodyMember] public string[] FieldKeys;
    }
    [MessageContract] public class CreateActorRequestWS : RequestBaseWS { [MessageBodyMember] public ErpActorWS Actor; }
    [MessageContract] public class SaveActorsRequestWS : RequestBaseWS { [MessageBodyMember] public ErpActorWS[] Actors; }
    [MessageContract] public class GetListRequestWS : RequestBaseWS { [MessageBodyMember] public string ListName; }
    [MessageContract]
    public class GetListItemsRequestWS : RequestBaseWS
    {
        [MessageBodyMember] public string ListName;
        [MessageBodyMember] public string[] ListItemKeys;
    }
    [MessageContract]
    public class GetActorsByTimestampRequestWS : RequestBaseWS
    {
        [MessageBodyMember] public string UpdatedOnOrAfter;
        [MessageBodyMember] public string ActorType;
        [MessageBodyMember] public string[] FieldKeys;
    }

    [MessageContract]
    public class ConnectorResultBaseWS
    {
        [MessageBodyMember] public string ErrorCode;
        [MessageBodyMember] public bool IsOk;
        [MessageBodyMember] public ResponseStateWS State;
        [MessageBodyMember] public string TechExplanation;
        [MessageBodyMember] public string UserExplanation;
    }
    [MessageContract] public class StringArrayPluginResponseWS : ConnectorResultBaseWS { [MessageBodyMember] public string[] Items; }
    [MessageContract] public class FieldMetadataInfoArrayPluginResponseWS : ConnectorResultBaseWS { [MessageBodyMember] public FieldMetadataInfoWS[] FieldMetaDataObjects; }
    [MessageContract] public class ListItemArrayPluginResponseWS : ConnectorResultBaseWS { [MessageBodyMember] public Dictionary<string, string> ListItems; }
    [MessageContract] public class ActorArrayPluginResponseWS : ConnectorResultBaseWS { [MessageBodyMember] public ErpActorWS[] Actors; }
    [MessageContract] public class ActorPluginResponseWS : ConnectorResultBaseWS { [MessageBodyMember] public ErpActorWS Actor; }

    [ServiceContract(Namespace = Ns.Eis)]
    public interface IErpConnectorWS
    {
        [OperationContract] FieldMetadataInfoArrayPluginResponseWS WSGetConfigData();
        [OperationContract] ConnectorResultBaseWS WSTestConfigData(TestConfigDataRequestWS request);
        [OperationContract] ConnectorResultBaseWS WSSaveConnection(SaveConnectionRequestWS request);
        [OperationContract] ConnectorResultBaseWS WSTestConnection(RequestBaseWS request);
        [OperationContract] ConnectorResultBaseWS WSDeleteConnection(RequestBaseWS request);
        [OperationContract] StringArrayPluginResponseWS WSGetSupportedActorTypes(RequestBaseWS request);
        [OperationContract] FieldMetadataInfoArrayPluginResponseWS WSGetSupportedActorTypeFields(GetSupportedActorTypeFieldsRequestWS request);
        [OperationContract] ActorArrayPluginResponseWS WSGetActors(GetActorsRequestWS request);
        [OperationContract] StringArrayPluginResponseWS WSGetSearchableFields(GetSearchableFieldsRequestWS request);
        [OperationContract] ActorArrayPluginResponseWS WSSearchActorsAdvanced(SearchActorsAdvancedRequestWS request);
        [OperationContract] ActorArrayPluginResponseWS WSSearchActors(SearchActorsRequestWS request);
        [OperationContract] ActorArrayPluginResponseWS WSSearchActorByParent(SearchActorByParentRequestWS request);
        [OperationContract] ActorPluginResponseWS WSCreateActor(CreateActorRequestWS request);
        [OperationContract] ActorArrayPluginResponseWS WSSaveActors(SaveActorsRequestWS request);
        [OperationContract] ListItemArrayPluginResponseWS WSGetList(GetListRequestWS request);
        [OperationContract] ListItemArrayPluginResponseWS WSGetListItems(GetListItemsRequestWS request);
        [OperationContract] ActorArrayPluginResponseWS WSGetActorsByTimestamp(GetActorsByTimestampRequestWS request);
    }

    [MessageContract] public class AuthenticationRequest { [MessageBodyMember] public string SignedToken; }
    [MessageContract]
    public class AuthenticationResponse
    {
        [MessageBodyMember] public string Reason;
        [MessageBodyMember] public string SignedApplicationToken;
        [MessageBodyMember] public bool Succeeded;
    }

    [ServiceContract(Namespace = Ns.Auth)]
    public interface IIntegrationServiceConnectorAuth
    {
        [OperationContract] AuthenticationResponse Authenticate(AuthenticationRequest request);
    }

    public static class Program
    {
        static readonly string[] CustomerFields = { "NAME", "EMPLOYEES", "TURNOVER", "CURRENCY", "ACTIVE", "FOUNDED" };
        static readonly string[] PersonFields = { "FIRSTNAME", "LASTNAME" };

        static void Json(StringBuilder sb, object o)
        {
            if (o == null) { sb.Append("null"); return; }
            var s = o as string;
            if (s != null) { JsonString(sb, s); return; }
            if (o is bool) { sb.Append((bool)o ? "true" : "false"); return; }
            if (o is int) { sb.Append(((int)o).ToString(CultureInfo.InvariantCulture)); return; }
            if (o.GetType().IsEnum) { JsonString(sb, o.ToString()); return; }
            var dict = o as Dictionary<string, string>;
            if (dict != null)
            {
                // Entries in wire order, as [key, value] pairs.
                sb.Append('[');
                bool firstPair = true;
                foreach (var kv in dict)
                {
                    if (!firstPair) sb.Append(',');
                    firstPair = false;
                    sb.Append('['); JsonString(sb, kv.Key); sb.Append(','); Json(sb, kv.Value); sb.Append(']');
                }
                sb.Append(']');
                return;
            }
            var array = o as Array;
            if (array != null)
            {
                sb.Append('[');
                for (int i = 0; i < array.Length; i++) { if (i > 0) sb.Append(','); Json(sb, array.GetValue(i)); }
                sb.Append(']');
                return;
            }
            sb.Append('{');
            bool first = true;
            foreach (var f in o.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance).OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                if (!first) sb.Append(',');
                first = false;
                JsonString(sb, f.Name); sb.Append(':'); Json(sb, f.GetValue(o));
            }
            sb.Append('}');
        }

        static void JsonString(StringBuilder sb, string s)
        {
            sb.Append('"');
            foreach (char c in s)
            {
                if (c == '"' || c == '\\') { sb.Append('\\').Append(c); }
                else if (c < 0x20) { sb.Append("\\u").Append(((int)c).ToString("x4")); }
                else { sb.Append(c); }
            }
            sb.Append('"');
        }

        static void Print(string call, object response)
        {
            var sb = new StringBuilder();
            Json(sb, response);
            Console.WriteLine(call + "\t" + sb);
        }

        static Dictionary<string, string> Config()
        {
            return new Dictionary<string, string> { { "COMPANY", "Acme & <Co>" }, { "CURRENCY", "NOK" }, { "PASSWORD", null } };
        }

        public static int Main(string[] args)
        {
            if (args.Length != 3) { Console.Error.WriteLine("usage: ErpClient.exe URL CONNECTION_GUID SIGNED_TOKEN"); return 2; }
            string url = args[0], guid = args[1], token = args[2];
            var binding = new BasicHttpBinding { MaxReceivedMessageSize = 64 * 1024 * 1024 };
            binding.ReaderQuotas.MaxStringContentLength = 16 * 1024 * 1024;
            binding.ReaderQuotas.MaxArrayLength = 16 * 1024 * 1024;
            var erp = new ChannelFactory<IErpConnectorWS>(binding, new EndpointAddress(url)).CreateChannel();
            var auth = new ChannelFactory<IIntegrationServiceConnectorAuth>(binding, new EndpointAddress(url)).CreateChannel();

            Print("WSGetConfigData", erp.WSGetConfigData());
            Print("WSTestConfigData", erp.WSTestConfigData(new TestConfigDataRequestWS { ConnectionInfo = Config() }));
            Print("WSSaveConnection", erp.WSSaveConnection(new SaveConnectionRequestWS { ConnectionGuid = guid, ConnectionInfo = Config() }));
            Print("WSTestConnection", erp.WSTestConnection(new RequestBaseWS { ConnectionGuid = guid }));
            Print("WSGetSupportedActorTypes", erp.WSGetSupportedActorTypes(new RequestBaseWS { ConnectionGuid = guid }));
            Print("WSGetSupportedActorTypeFields", erp.WSGetSupportedActorTypeFields(new GetSupportedActorTypeFieldsRequestWS { ConnectionGuid = guid, ActorType = "Customer" }));
            Print("WSGetSearchableFields", erp.WSGetSearchableFields(new GetSearchableFieldsRequestWS { ConnectionGuid = guid, ActorType = "Customer" }));
            Print("WSGetActors", erp.WSGetActors(new GetActorsRequestWS { ConnectionGuid = guid, ActorType = "Customer", ErpKeys = new[] { "1001", "1002", "1003" }, FieldKeys = CustomerFields }));
            Print("WSSearchActors", erp.WSSearchActors(new SearchActorsRequestWS { ConnectionGuid = guid, ActorType = "Customer", SearchText = "senter", FieldKeys = CustomerFields }));
            Print("WSSearchActorByParent", erp.WSSearchActorByParent(new SearchActorByParentRequestWS { ConnectionGuid = guid, ActorType = "Person", SearchText = "", ParentActorType = "Customer", ParentActorErpKey = "1001", FieldKeys = PersonFields }));
            Print("WSSearchActorsAdvanced", erp.WSSearchActorsAdvanced(new SearchActorsAdvancedRequestWS
            {
                ConnectionGuid = guid, ActorType = "Customer", FieldKeys = new[] { "NAME", "EMPLOYEES" },
                Restrictions = new[] { new SearchRestrictionInfoWS { FieldKey = "EMPLOYEES", Operator = ">=", Values = new[] { "[I:10]" } } }
            }));
            Print("WSCreateActor", erp.WSCreateActor(new CreateActorRequestWS
            {
                ConnectionGuid = guid,
                Actor = new ErpActorWS { ActorType = "Customer", ErpKey = "", LastModified = "", FieldValues = new Dictionary<string, string> { { "NAME", "Ny Kunde & Co" }, { "EMPLOYEES", "[I:5]" } } }
            }));
            Print("WSSaveActors", erp.WSSaveActors(new SaveActorsRequestWS
            {
                ConnectionGuid = guid,
                Actors = new[] { new ErpActorWS { ActorType = "Customer", ErpKey = "1002", LastModified = "0000000002", FieldValues = new Dictionary<string, string> { { "NAME", "Æbeltoft & Søn A/S" } } } }
            }));
            Print("WSGetList", erp.WSGetList(new GetListRequestWS { ConnectionGuid = guid, ListName = "currencies" }));
            Print("WSGetList", erp.WSGetList(new GetListRequestWS { ConnectionGuid = guid, ListName = "regions" }));
            Print("WSGetListItems", erp.WSGetListItems(new GetListItemsRequestWS { ConnectionGuid = guid, ListName = "currencies", ListItemKeys = new[] { "SEK", "XXX" } }));
            Print("WSGetActorsByTimestamp", erp.WSGetActorsByTimestamp(new GetActorsByTimestampRequestWS { ConnectionGuid = guid, UpdatedOnOrAfter = "0000000004", ActorType = "Person", FieldKeys = PersonFields }));
            Print("WSDeleteConnection", erp.WSDeleteConnection(new RequestBaseWS { ConnectionGuid = guid }));
            Print("WSTestConnection", erp.WSTestConnection(new RequestBaseWS { ConnectionGuid = guid }));
            Print("Authenticate", auth.Authenticate(new AuthenticationRequest { SignedToken = token }));
            return 0;
        }
    }
}
