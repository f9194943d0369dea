// The request and response classes as DataContracts in the EIS namespace, passed as operation
// parameters (erp-contract.md §4.5 option B1): WCF wraps them, `<WSGetActors><request>..` and
// `<WSGetActorsResponse><WSGetActorsResult>..`, members base class first. Authenticate the same
// way, in a namespace of its own (the connector must answer in whatever namespace it is called).

using System;
using System.Collections.Generic;
using System.Runtime.Serialization;
using System.ServiceModel;

namespace SuperOffice.ErpSync
{
    public static class AuthNs { public const string Eis = "urn:erp-connector-interop:auth:wrapped-eis"; }

    [DataContract(Namespace = Ns.Eis)] public class RequestBaseWS { [DataMember] public string ConnectionGuid; }
    [DataContract(Namespace = Ns.Eis)] public class TestConfigDataRequestWS { [DataMember] public Dictionary<string, string> ConnectionInfo; }
    [DataContract(Namespace = Ns.Eis)] public class SaveConnectionRequestWS : RequestBaseWS { [DataMember] public Dictionary<string, string> ConnectionInfo; }
    [DataContract(Namespace = Ns.Eis)] public class GetSupportedActorTypeFieldsRequestWS : RequestBaseWS { [DataMember] public string ActorType; }
    [DataContract(Namespace = Ns.Eis)] public class GetSearchableFieldsRequestWS : RequestBaseWS { [DataMember] public string ActorType; }
    [DataContract(Namespace = Ns.Eis)]
    public class GetActorsRequestWS : RequestBaseWS
    {
        [DataMember] public string ActorType;
        [DataMember] public string[] ErpKeys;
        [DataMember] public string[] FieldKeys;
    }
    [DataContract(Namespace = Ns.Eis)]
    public class SearchActorsRequestWS : RequestBaseWS
    {
        [DataMember] public string ActorType;
        [DataMember] public string SearchText;
        [DataMember] public string[] FieldKeys;
    }
    [DataContract(Namespace = Ns.Eis)]
    public class SearchActorByParentRequestWS : RequestBaseWS
    {
        [DataMember] public string ActorType;
        [DataMember] public string SearchText;
        [DataMember] public string ParentActorType;
        [DataMember] public string ParentActorErpKey;
        [DataMember] public string[] FieldKeys;
    }
    [DataContract(Namespace = Ns.Eis)]
    public class SearchActorsAdvancedRequestWS : RequestBaseWS
    {
        [DataMember] public string ActorType;
        [DataMember] public SearchRestrictionInfoWS[] Restrictions;
        [DataMember] public string[] FieldKeys;
    }
    [DataContract(Namespace = Ns.Eis)] public class CreateActorRequestWS : RequestBaseWS { [DataMember] public ErpActorWS Actor; }
    [DataContract(Namespace = Ns.Eis)] public class SaveActorsRequestWS : RequestBaseWS { [DataMember] public ErpActorWS[] Actors; }
    [DataContract(Namespace = Ns.Eis)] public class GetListRequestWS : RequestBaseWS { [DataMember] public string ListName; }
    [DataContract(Namespace = Ns.Eis)]
    public class GetListItemsRequestWS : RequestBaseWS
    {
        [DataMember] public string ListName;
        [DataMember] public string[] ListItemKeys;
    }
    [DataContract(Namespace = Ns.Eis)]
    public class GetActorsByTimestampRequestWS : RequestBaseWS
    {
        [DataMember] public string UpdatedOnOrAfter;
        [DataMember] public string ActorType;
        [DataMember] public string[] FieldKeys;
    }

    [DataContract(Namespace = Ns.Eis)]
    public class ConnectorResultBaseWS
    {
        [DataMember] public string ErrorCode;
        [DataMember] public bool IsOk;
        [DataMember] public ResponseStateWS State;
        [DataMember] public string TechExplanation;
        [DataMember] public string UserExplanation;
    }
    [DataContract(Namespace = Ns.Eis)] public class StringArrayPluginResponseWS : ConnectorResultBaseWS { [DataMember] public string[] Items; }
    [DataContract(Namespace = Ns.Eis)] public class FieldMetadataInfoArrayPluginResponseWS : ConnectorResultBaseWS { [DataMember] public FieldMetadataInfoWS[] FieldMetaDataObjects; }
    [DataContract(Namespace = Ns.Eis)] public class ListItemArrayPluginResponseWS : ConnectorResultBaseWS { [DataMember] public Dictionary<string, string> ListItems; }
    [DataContract(Namespace = Ns.Eis)] public class ActorArrayPluginResponseWS : ConnectorResultBaseWS { [DataMember] public ErpActorWS[] Actors; }
    [DataContract(Namespace = Ns.Eis)] public class ActorPluginResponseWS : ConnectorResultBaseWS { [DataMember] public ErpActorWS Actor; }


    [DataContract(Namespace = AuthNs.Eis)] public class AuthenticationRequest { [DataMember] public string SignedToken; }
    [DataContract(Namespace = AuthNs.Eis)]
    public class AuthenticationResponse
    {
        [DataMember] public string Reason;
        [DataMember] public string SignedApplicationToken;
        [DataMember] public bool Succeeded;
    }

    [ServiceContract(Namespace = AuthNs.Eis)]
    public interface IIntegrationServiceConnectorAuth
    {
        [OperationContract] AuthenticationResponse Authenticate(AuthenticationRequest request);
    }

    public static class AuthClient
    {
        public static object Authenticate(BasicHttpBinding binding, string url, string token)
        {
            var auth = new ChannelFactory<IIntegrationServiceConnectorAuth>(binding, new EndpointAddress(url)).CreateChannel();
            return auth.Authenticate(new AuthenticationRequest { SignedToken = token });
        }
    }
}
