// A WCF client (Mono's System.ServiceModel) for IErpConnectorWS and the Authenticate contract.
// Built from this file, Shared.cs and one declaration of the request and response classes:
// MessageContract.cs (erp-contract.md §4.5 option A), WrappedEis.cs (DataContract parameters in
// the EIS namespace, option B1) or WrappedPoco.cs (attribute-less POCOs, option B2). It calls all
// 17 operations and Authenticate with a fixed plan and prints every response, member by member,
// as one JSON line per call, for tests/tests/real_clients.rs to compare with what our own reader
// reads. WCF's reader drops misordered or wrongly namespaced members silently, so a value that
// does not arrive shows up as a difference, not as an error.
//
// usage: mono ErpClient.exe URL CONNECTION_GUID SIGNED_TOKEN

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.ServiceModel;
using System.Text;
using SuperOffice.ErpSync;

namespace ErpInterop
{
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
            var factory = new ChannelFactory<IErpConnectorWS>(binding, new EndpointAddress(url));
            var erp = factory.CreateChannel();

            // The first call of a brand-new deployment shows no shape (WSGetConfigData has no
            // parameter): the connector answers in its fallback, which this client may not read.
            try { Print("WSGetConfigData", erp.WSGetConfigData()); }
            catch (Exception e)
            {
                var sb = new StringBuilder("{\"unreadable\":");
                JsonString(sb, e.GetType().Name);
                Console.WriteLine("WSGetConfigData\t" + sb.Append('}'));
                erp = factory.CreateChannel();
            }
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
            // Once the caller has shown its shape, WSGetConfigData is answered in it.
            Print("WSGetConfigData", erp.WSGetConfigData());
            Print("Authenticate", AuthClient.Authenticate(binding, url, token));
            return 0;
        }
    }
}
