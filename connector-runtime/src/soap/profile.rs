//! Wire profiles: the SOAP body shape, which public sources do not settle (spec §4.5). The
//! default follows the strongest evidence (MessageContract, Option A); the alternatives are one
//! setting away, so that a capture from a real EIS can settle it without a code change.

use std::fmt;
use std::str::FromStr;

use crate::contract::ns;
use crate::contract::schema::MemberOrder;

/// How request and response classes are put into the SOAP body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WireProfile {
    /// Option A (default): the classes are WCF MessageContracts. The body holds one wrapper
    /// element named after the class, in the EIS namespace; its members, base-class members
    /// included, are sorted together ordinally by name (.NET `TypeLoader`).
    #[default]
    MessageContract,
    /// Option B1: wrapped parameter style, the classes being DataContracts in the EIS namespace:
    /// `<WSGetActors><request>..</request></WSGetActors>` and
    /// `<WSGetActorsResponse><WSGetActorsResult>..`; base-class members first.
    WrappedEis,
    /// Option B2: wrapped parameter style, the classes being attribute-less POCOs whose members
    /// are in `http://schemas.datacontract.org/2004/07/SuperOffice.ErpSync`; base-class members
    /// first.
    WrappedPoco,
}

impl WireProfile {
    /// Every profile.
    pub const ALL: [WireProfile; 3] = [WireProfile::MessageContract, WireProfile::WrappedEis, WireProfile::WrappedPoco];

    /// The setting value: `message-contract`, `wrapped-eis` or `wrapped-poco`.
    pub const fn name(self) -> &'static str {
        match self {
            WireProfile::MessageContract => "message-contract",
            WireProfile::WrappedEis => "wrapped-eis",
            WireProfile::WrappedPoco => "wrapped-poco",
        }
    }

    /// The order of the members of request and response classes.
    pub const fn member_order(self) -> MemberOrder {
        match self {
            WireProfile::MessageContract => MemberOrder::GlobalOrdinal,
            WireProfile::WrappedEis | WireProfile::WrappedPoco => MemberOrder::BaseFirst,
        }
    }

    /// The namespace of the members of request and response classes.
    pub const fn member_namespace(self) -> &'static str {
        match self {
            WireProfile::MessageContract | WireProfile::WrappedEis => ns::EIS,
            WireProfile::WrappedPoco => ns::DATACONTRACT_POCO,
        }
    }

    /// Whether the class is wrapped in an operation element (`request` / `...Result`).
    pub const fn is_wrapped(self) -> bool {
        !matches!(self, WireProfile::MessageContract)
    }
}

impl fmt::Display for WireProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A profile name that is not one of the three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown wire profile `{0}`; expected message-contract (A), wrapped-eis (B1) or wrapped-poco (B2)")]
pub struct UnknownProfile(pub String);

impl FromStr for WireProfile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "message-contract" | "a" => Ok(WireProfile::MessageContract),
            "wrapped-eis" | "b1" => Ok(WireProfile::WrappedEis),
            "wrapped-poco" | "b2" => Ok(WireProfile::WrappedPoco),
            _ => Err(UnknownProfile(s.to_owned())),
        }
    }
}
