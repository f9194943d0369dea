//! WSDL
