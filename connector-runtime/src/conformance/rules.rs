//! The rules a connector is checked against, each citing the spec (`erp-contract.md`). One place
//! for each rule's wording: the session refers to them by constant.

/// A rule of the contract.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// A short stable name, e.g. `since-includes-equal`.
    pub id: &'static str,
    /// Where the spec says it, e.g. `§5.3`.
    pub spec: &'static str,
    /// What the connector must do.
    pub text: &'static str,
    /// Whether the spec marks the rule as inferred (`[I]`) rather than confirmed.
    pub inferred: bool,
}

macro_rules! rules {
    ($( $(#[$meta:meta])* $name:ident = $id:literal, $spec:literal, $inferred:literal, $text:literal; )*) => {
        $( $(#[$meta])* pub const $name: Rule = Rule { id: $id, spec: $spec, text: $text, inferred: $inferred }; )*
        /// Every rule, in the order the session meets them.
        pub const ALL: &[&Rule] = &[$(&$name),*];
    };
}

rules! {
    /// Answers are the operation's response class with HTTP 200.
    ANSWERED = "answered", "§4.7", false,
        "every call is answered with HTTP 200 and the operation's response class; errors go inside the response (State=Error), never as SOAP faults or HTTP errors";
    /// The answer is in the request's shape.
    ANSWER_SHAPE = "answer-shape", "§4.5", true,
        "every answer is in the body shape of its request (MessageContract, wrapped-eis or wrapped-poco), once the caller has sent a request that shows it (WSGetConfigData shows none): a WCF client reads nothing from an answer in another shape";
    /// Every element of an answer is a member of its class.
    KNOWN_MEMBERS = "known-members", "§4.6", false,
        "every element of an answer is a member of its class; a WCF client drops any other silently";
    /// IsOk follows State.
    IS_OK_STATE = "is-ok-state", "§3.1", true, "IsOk is true exactly when State is not Error";
    /// Errors explain themselves.
    ERROR_EXPLAINED = "error-explained", "§4.7", false, "a State=Error answer carries a UserExplanation";
    /// Authenticate accepts SuperOffice's token.
    AUTHENTICATES = "authenticates", "auth-protocol §3", false,
        "Authenticate accepts a valid SuperOffice token and answers Succeeded=true with a partner token for its nonce, signed by the application key";
    /// Authenticate refuses a token for another application.
    AUTH_REFUSES = "auth-refuses", "auth-protocol §3", false,
        "Authenticate answers a token for another application with Succeeded=false and a Reason, not a fault";
    /// The set-up EIS performs works with the emulator's values.
    SETUP_WORKS = "setup-works", "§5.1", false,
        "the connection set-up succeeds: TestConfigData, SaveConnection and TestConnection answer OK for valid values";
    /// Values that do not work are refused when tested.
    BAD_CONFIG_REFUSED = "bad-config-refused", "§5.1", false,
        "TestConfigData and TestConnection answer IsOk=false with a UserExplanation for configuration values that do not work (the emulator's --bad-config), so that an administrator learns of them at set-up, not at the first sync";
    /// Field keys are present and unique.
    FIELD_KEYS_UNIQUE = "field-keys-unique", "§3.4", false,
        "every field description has a non-empty FieldKey, unique within its list";
    /// Ranks are unique.
    RANKS_UNIQUE = "ranks-unique", "§3.4", false, "Rank values are unique within a list of field descriptions";
    /// List fields name their list, and the list answers.
    LIST_FIELDS_NAMED = "list-fields-named", "§3.4", false,
        "a List field names its list in ListName, and GetList answers for that name";
    /// Lists of config fields answer with the all-zero GUID.
    SETUP_LISTS = "setup-lists", "§5.1", false,
        "the lists of configuration fields answer GetList with the all-zero GUID, before any connection exists";
    /// Actor types come from the fixed set.
    ACTOR_TYPES_KNOWN = "actor-types-known", "§3.5", false,
        "GetSupportedActorTypes names each type once, from the fixed ErpActorType names, never Unknown";
    /// Searchable fields are declared fields.
    SEARCHABLE_DECLARED = "searchable-declared", "§2.1", false,
        "GetSearchableFields names only fields that GetSupportedActorTypeFields declares";
    /// Actors have the type asked for.
    ACTOR_TYPE_MATCHES = "actor-type-matches", "§2.1", false, "returned actors have the ActorType the request asked for";
    /// Every actor has an ErpKey.
    ERP_KEY_PRESENT = "erp-key-present", "§3.4", false, "every returned actor has a non-empty ErpKey";
    /// Every actor has a LastModified.
    LAST_MODIFIED_PRESENT = "last-modified-present", "§5.3", false, "every returned actor has a non-empty LastModified";
    /// LastModified values of a connection can be ordered.
    LAST_MODIFIED_GLOBAL = "last-modified-global", "§5.3", false,
        "LastModified values are global across actors: all numbers, or all strings of one width that sort in time order";
    /// LastModified never goes backwards.
    LAST_MODIFIED_MONOTONIC = "last-modified-monotonic", "§5.3", false,
        "an actor's LastModified never goes backwards, and a saved actor's grows";
    /// Searches answer every match.
    SEARCH_COMPLETE = "search-complete", "§2.1", true,
        "SearchActorsAdvanced answers every actor of the full sync that meets the restriction, and SearchActorByParent with no text every child of the parent (when it answers any: an empty answer is how a connector without that search answers, spec §5.5), not only actors that do (judged where the emulator judges the operator, and up to 100 expected matches: a connector may cap large answers)";
    /// LastModified changes only with the actor.
    LAST_MODIFIED_STABLE = "last-modified-stable", "§5.3", false,
        "an actor's LastModified changes only when the actor does: two reads with nothing written between answer the same value (a stamp taken from the clock at read time makes every poll return everything)";
    /// Saved values are read back.
    WRITES_READ_BACK = "writes-read-back", "§2.1", false,
        "after SaveActors, GetActors of the key answers the values written, and the fields not written keep the values they had";
    /// Saving an actor that does not exist fails.
    SAVE_UNKNOWN_REFUSED = "save-unknown-refused", "§2.1", false,
        "SaveActors of an ErpKey the ERP does not have answers IsOk=false with a UserExplanation, not a success that saved nothing";
    /// The change poll includes equal timestamps.
    SINCE_INCLUDES_EQUAL = "since-includes-equal", "§5.3", false,
        "GetActorsByTimestamp returns every actor changed on or after UpdatedOnOrAfter, equal values included";
    /// The change poll returns nothing older.
    SINCE_ONLY_NEWER = "since-only-newer", "§5.3", false,
        "GetActorsByTimestamp returns no actor whose LastModified is before UpdatedOnOrAfter";
    /// ErpKeys are stable.
    ERP_KEY_STABLE = "erp-key-stable", "§3.4", false,
        "an ErpKey stays the actor's key: GetActors finds the keys the sync returned, SaveActors keeps them";
    /// GetActors returns the actors asked for.
    REQUESTED_ACTORS_ONLY = "requested-actors-only", "§2.1", false,
        "GetActors returns only actors with the requested ErpKeys, each at most once";
    /// GetActors answers the known keys when some are unknown.
    UNKNOWN_KEYS_SKIPPED = "unknown-keys-skipped", "§2.1", true,
        "GetActors with ErpKeys the ERP does not have among known ones answers OK with the known actors and leaves the unknown out: EIS asks for keys of records that may since have been deleted in the ERP";
    /// Only requested fields are filled.
    REQUESTED_FIELDS_ONLY = "requested-fields-only", "§2.1", false,
        "FieldValues hold only the requested FieldKeys";
    /// Field keys are declared.
    FIELDS_DECLARED = "fields-declared", "§2.1", false,
        "every FieldValues key is a field GetSupportedActorTypeFields declares for the actor's type";
    /// Values are encoded as their field type says.
    VALUES_ENCODED = "values-encoded", "§3.7", false,
        "values are empty or in the encoded form .NET's CultureDataFormatter reads for their field type: Integer `[I:n]` (digits, an optional minus, no spaces or grouping), Checkbox `[I:0]` or `[I:1]`, Double `[F:n]` (invariant: `.` decimal separator, no grouping), Datetime `[DT:MM/dd/yyyy HH:mm:ss.fffffff]` (or a date `[D:MM/dd/yyyy]`)";
    /// Text values respect MaxLength.
    MAX_LENGTH = "max-length", "§3.4", false, "a field's values are no longer than its MaxLength (when not 0)";
    /// Parents are well-formed.
    PARENT_WELL_FORMED = "parent-well-formed", "§3.4", false,
        "a ParentActorType is one of the ErpActorType names and comes with a ParentErpKey, and a ParentErpKey comes with its ParentActorType";
    /// What a read answers agrees with the full sync.
    SEEN_IN_SYNC = "seen-in-sync", "§5.3", true,
        "an actor a search or GetActors returns is in the full sync of its type, with the same values for the fields both carry: EIS links and updates SuperOffice records from either";
    /// List values are items of their list.
    LIST_VALUES_KNOWN = "list-values-known", "§3.4", false,
        "a List field's value in an actor is the key of an item of its list (GetList): SuperOffice maps list items by key";
    /// Parents exist.
    PARENT_EXISTS = "parent-exists", "§3.4", false,
        "a ParentErpKey names an actor of ParentActorType that the full sync of that type returned (judged where the connector supports the parent's type)";
    /// Advanced search results match the restrictions.
    SEARCH_MATCHES = "search-matches", "§2.1", true,
        "SearchActorsAdvanced returns only actors that meet every restriction (several are ANDed), text compared without regard to case, non-ASCII letters included (checked on returned values of text, number, checkbox and list fields, and of date fields where the connector's precision does not matter: equal values, or a day apart)";
    /// An operator the field type does not allow is refused.
    OPERATOR_REFUSED = "operator-refused", "§3.6", true,
        "SearchActorsAdvanced with an operator the field type does not allow (`>` on text, `begins` on a number) answers State=Error with a UserExplanation, not an empty success that reads as \"nothing matches\"";
    /// The special search keys are accepted.
    SPECIAL_KEYS = "special-keys", "§3.6", false,
        "advanced search accepts the special keys ParentErpKey and ParentActorType and returns only matching actors";
    /// SearchActorByParent returns children of the parent.
    BY_PARENT_CHILDREN = "by-parent-children", "§2.1", false,
        "SearchActorByParent returns only children of the given parent";
    /// A list returns only what was asked.
    LIST_ITEMS_SUBSET = "list-items-subset", "§2.1", false,
        "GetListItems returns only the requested keys, with the texts GetList gives";
    /// CreateActor returns the new key and timestamp.
    CREATED_HAS_KEY = "created-has-key", "§2.1", false,
        "CreateActor returns the created actor with its new ErpKey and LastModified";
    /// A created or saved actor is seen by the change poll.
    CHANGES_POLLED = "changes-polled", "§5.3", false,
        "an actor created or saved through the connector is returned by GetActors and by the next GetActorsByTimestamp poll";
    /// The lost-connection protocol.
    UNKNOWN_CONNECTION = "unknown-connection", "§5.2", false,
        "a GUID without stored values is answered with State=Error and ErrorCode UNKNOWN_CONNECTION_ID, and works again after SaveConnection resends the values";
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = super::ALL.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
