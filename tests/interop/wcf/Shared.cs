// The parts of the contract every declaration shares: namespaces, enums, the DataContract
// carriers (erp-contract.md §3) and the service interface. The request and response classes it
// names are declared three ways, one file each (MessageContract.cs, WrappedEis.cs,
// WrappedPoco.cs); each client is built from ErpClient.cs, this file and one of them. The CLR namespace is SuperOffice.ErpSync because it
// names the POCO data-contract namespace (http://schemas.datacontract.org/2004/07/SuperOffice.ErpSync).

using System;
using System.Collections.Generic;
using System.Runtime.Serialization;
using System.ServiceModel;

namespace SuperOffice.ErpSync
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
}
