//! XML namespaces and names of the contract (spec §4.3, §4.4). The one place they are written.

/// The literal of the contract namespace, for `concat!`.
macro_rules! eis_ns {
    () => {
        "http://www.superoffice.net/EIS/Connector/1.0"
    };
}
/// The literal of the service contract name, for `concat!`.
macro_rules! contract_name {
    () => {
        "IErpConnectorWS"
    };
}
pub(crate) use {contract_name, eis_ns};

/// The ERP contract namespace (`EisConnectorWSVersion.Namespace`): wrappers, members, carriers.
pub const EIS: &str = eis_ns!();
/// The service contract name, the middle segment of every SOAPAction.
pub const CONTRACT_NAME: &str = contract_name!();
/// `DataContractSerializer`'s namespace for arrays and dictionaries.
pub const ARRAYS: &str = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";
/// XML Schema instance (`i:nil`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// XML Schema.
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema";
/// SOAP 1.1 envelope.
pub const SOAP11_ENVELOPE: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope (recognised only to refuse it clearly).
pub const SOAP12_ENVELOPE: &str = "http://www.w3.org/2003/05/soap-envelope";
/// The namespace of the request and response classes if they are attribute-less POCOs serialised
/// as DataContract parameters (wire profile B2, spec §4.5).
pub const DATACONTRACT_POCO: &str = "http://schemas.datacontract.org/2004/07/SuperOffice.ErpSync";
/// The `xml:` prefix namespace.
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";
