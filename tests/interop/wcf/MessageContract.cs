// The request and response classes as WCF MessageContracts (erp-contract.md §4.5 option A, the
// declaration shared/fixtures/wcf-reference/ was captured with), and Authenticate the same way in
// the placeholder namespace.

using System;
using System.Collections.Generic;
using System.Runtime.Serialization;
using System.ServiceModel;

namespace SuperOffice.ErpSync
{
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

    public static class AuthClient
    {
        public static object Authenticate(BasicHttpBinding binding, string url, string token)
        {
            var auth = new ChannelFactory<IIntegrationServiceConnectorAuth>(binding, new EndpointAddress(url)).CreateChannel();
            return auth.Authenticate(new AuthenticationRequest { SignedToken = token });
        }
    }
}
