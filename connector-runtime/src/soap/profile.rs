//! Wire profiles: the SOAP body shape, which public sources do not settle (spec §4.5). By default
//! ([`ProfileChoice::Auto`]) the endpoint answers each caller in the shape its request shows (see
//! [`super::shape`]); a fixed profile stays one setting away.

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
#[error(
    "unknown wire profile `{0}`; expected message-contract (A), wrapped-eis (B1) or wrapped-poco (B2), or (wire_profile only) auto"
)]
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

/// Which profile the endpoint answers in (`wire_profile`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProfileChoice {
    /// `auto` (default): each request in the shape it shows; a request that shows none in the
    /// shape last seen from its caller, else by the deployment, else the fallback profile.
    #[default]
    Auto,
    /// Always this profile, whatever the request shows.
    Fixed(WireProfile),
}

impl From<WireProfile> for ProfileChoice {
    fn from(profile: WireProfile) -> Self {
        ProfileChoice::Fixed(profile)
    }
}

impl fmt::Display for ProfileChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileChoice::Auto => f.write_str("auto"),
            ProfileChoice::Fixed(profile) => profile.fmt(f),
        }
    }
}

impl FromStr for ProfileChoice {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(ProfileChoice::Auto);
        }
        s.parse().map(ProfileChoice::Fixed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_auto_and_each_profile() {
        assert_eq!("auto".parse(), Ok(ProfileChoice::Auto));
        assert_eq!(" AUTO ".parse(), Ok(ProfileChoice::Auto));
        for profile in WireProfile::ALL {
            assert_eq!(profile.name().parse(), Ok(ProfileChoice::Fixed(profile)));
            assert_eq!(ProfileChoice::Fixed(profile).to_string(), profile.name());
        }
        assert!("wrapped".parse::<ProfileChoice>().is_err());
    }
}
