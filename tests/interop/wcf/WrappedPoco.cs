// The request and response classes as attribute-less POCOs passed as operation parameters
// (erp-contract.md §4.5 option B2): WCF wraps them and DataContractSerializer infers their
// contract, members in http://schemas.datacontract.org/2004/07/SuperOffice.ErpSync (from the CLR
// namespace), base class first. Authenticate the same way, POCOs of another CLR namespace in a
// service namespace of its own.

using System;
using System.Collections.Generic;
using System.Runtime.Serialization;
using System.ServiceModel;

namespace SuperOffice.ErpSync
{
    public class RequestBaseWS { public string ConnectionGuid; }
    public class TestConfigDataRequestWS { public Dictionary<string, string> ConnectionInfo; }
    public class SaveConnectionRequestWS : RequestBaseWS { public Dictionary<string, string> ConnectionInfo; }
    public class GetSupportedActorTypeFieldsRequestWS : RequestBaseWS { public string ActorType; }
    public class GetSearchableFieldsRequestWS : RequestBaseWS { public string ActorType; }
    public class GetActorsRequestWS : RequestBaseWS
    {
        public string ActorType;
        public string[] ErpKeys;
        public string[] FieldKeys;
    }
    public class SearchActorsRequestWS : RequestBaseWS
    {
        public string ActorType;
        public string SearchText;
        public string[] FieldKeys;
    }
    public class SearchActorByParentRequestWS : RequestBaseWS
    {
        public string ActorType;
        public string SearchText;
        public string ParentActorType;
        public string ParentActorErpKey;
        public string[] FieldKeys;
    }
    public class SearchActorsAdvancedRequestWS : RequestBaseWS
    {
        public string ActorType;
        public SearchRestrictionInfoWS[] Restrictions;
        public string[] FieldKeys;
    }
    public class CreateActorRequestWS : RequestBaseWS { public ErpActorWS Actor; }
    public class SaveActorsRequestWS : RequestBaseWS { public ErpActorWS[] Actors; }
    public class GetListRequestWS : RequestBaseWS { public string ListName; }
    public class GetListItemsRequestWS : RequestBaseWS
    {
        public string ListName;
        public string[] ListItemKeys;
    }
    public class GetActorsByTimestampRequestWS : RequestBaseWS
    {
        public string UpdatedOnOrAfter;
        public string ActorType;
        public string[] FieldKeys;
    }

    public class ConnectorResultBaseWS
    {
        public string ErrorCode;
        public bool IsOk;
        public ResponseStateWS State;
        public string TechExplanation;
        public string UserExplanation;
    }
    public class StringArrayPluginResponseWS : ConnectorResultBaseWS { public string[] Items; }
    public class FieldMetadataInfoArrayPluginResponseWS : ConnectorResultBaseWS { public FieldMetadataInfoWS[] FieldMetaDataObjects; }
    public class ListItemArrayPluginResponseWS : ConnectorResultBaseWS { public Dictionary<string, string> ListItems; }
    public class ActorArrayPluginResponseWS : ConnectorResultBaseWS { public ErpActorWS[] Actors; }
    public class ActorPluginResponseWS : ConnectorResultBaseWS { public ErpActorWS Actor; }


    public static class AuthClient
    {
        public static object Authenticate(BasicHttpBinding binding, string url, string token)
        {
            var auth = new ChannelFactory<SuperOffice.SuperID.Contracts.V9.IIntegrationServiceConnectorAuth>(binding, new EndpointAddress(url)).CreateChannel();
            return auth.Authenticate(new SuperOffice.SuperID.Contracts.V9.AuthenticationRequest { SignedToken = token });
        }
    }
}

namespace SuperOffice.SuperID.Contracts.V9
{
    public class AuthenticationRequest { public string SignedToken; }
    public class AuthenticationResponse
    {
        public string Reason;
        public string SignedApplicationToken;
        public bool Succeeded;
    }

    [ServiceContract(Namespace = "http://example.com/superid/connector-auth/9.0")]
    public interface IIntegrationServiceConnectorAuth
    {
        [OperationContract] AuthenticationResponse Authenticate(AuthenticationRequest request);
    }
}
