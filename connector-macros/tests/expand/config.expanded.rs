const _: () = {
    const SPECS: [::erp_connector::__private::v0_1::FieldSpec; 3usize] = [
        ::erp_connector::__private::v0_1::FieldSpec {
            key: "DATABASE",
            display: "Database file",
            description: ::erp_connector::__private::v0_1::Option::Some(
                "Path of the shop database.",
            ),
            rank: 1i32,
            access: ::erp_connector::__private::v0_1::FieldAccess::Mandatory,
            default: ::erp_connector::__private::v0_1::Option::None,
            max_length: 0i32,
            list: ::erp_connector::__private::v0_1::Option::None,
            allow: &[],
        },
        ::erp_connector::__private::v0_1::FieldSpec {
            key: "PASSWORD",
            display: "Password",
            description: ::erp_connector::__private::v0_1::Option::None,
            rank: 2i32,
            access: ::erp_connector::__private::v0_1::FieldAccess::Normal,
            default: ::erp_connector::__private::v0_1::Option::None,
            max_length: 0i32,
            list: ::erp_connector::__private::v0_1::Option::None,
            allow: &[],
        },
        ::erp_connector::__private::v0_1::FieldSpec {
            key: "CURRENCY",
            display: "Currency",
            description: ::erp_connector::__private::v0_1::Option::None,
            rank: 3i32,
            access: ::erp_connector::__private::v0_1::FieldAccess::Normal,
            default: ::erp_connector::__private::v0_1::Option::Some("NOK"),
            max_length: 0i32,
            list: ::erp_connector::__private::v0_1::Option::Some("Currencies"),
            allow: &[],
        },
    ];
    const OPS: (
        ::erp_connector::__private::v0_1::FieldOps<String>,
        ::erp_connector::__private::v0_1::FieldOps<Password>,
        ::erp_connector::__private::v0_1::FieldOps<String>,
    ) = (
        ::erp_connector::__private::v0_1::ops::<String>(),
        ::erp_connector::__private::v0_1::ops::<Password>(),
        ::erp_connector::__private::v0_1::ops::<String>(),
    );
    const _: () = ::core::assert!(
        ! OPS.0.address,
        "this field names a place the connector connects to: give it #[field(allow = \"...\")]"
    );
    const _: () = ::core::assert!(
        ! OPS.1.address,
        "this field names a place the connector connects to: give it #[field(allow = \"...\")]"
    );
    const _: () = ::core::assert!(
        ! OPS.2.address,
        "this field names a place the connector connects to: give it #[field(allow = \"...\")]"
    );
    #[automatically_derived]
    impl ::erp_connector::__private::v0_1::ConnectionConfig for ShopConfig {
        fn fields() -> ::erp_connector::__private::v0_1::Vec<
            ::erp_connector::__private::v0_1::FieldMetadata,
        > {
            ::erp_connector::__private::v0_1::Vec::from([
                ::erp_connector::__private::v0_1::metadata(&SPECS[0], &OPS.0),
                ::erp_connector::__private::v0_1::metadata(&SPECS[1], &OPS.1),
                ::erp_connector::__private::v0_1::metadata(&SPECS[2], &OPS.2),
            ])
        }
        fn from_info_in(
            info: &::erp_connector::__private::v0_1::StringDict,
            variables: &::erp_connector::__private::v0_1::Variables,
        ) -> ::erp_connector::__private::v0_1::Result<
            Self,
            ::erp_connector::__private::v0_1::ConfigError,
        > {
            let _ = variables;
            ::erp_connector::__private::v0_1::Result::Ok(Self {
                database: ::erp_connector::__private::v0_1::required(
                    info,
                    variables,
                    &SPECS[0],
                    &OPS.0,
                )?,
                password: ::erp_connector::__private::v0_1::optional(
                    info,
                    variables,
                    &SPECS[1],
                    &OPS.1,
                )?,
                currency: ::erp_connector::__private::v0_1::required(
                    info,
                    variables,
                    &SPECS[2],
                    &OPS.2,
                )?,
            })
        }
        fn to_info(&self) -> ::erp_connector::__private::v0_1::StringDict {
            let mut info = ::erp_connector::__private::v0_1::StringDict::new();
            info.insert("DATABASE", (OPS.0.to_value)(&self.database));
            if let ::erp_connector::__private::v0_1::Option::Some(value) = &self.password
            {
                info.insert("PASSWORD", (OPS.1.to_value)(value));
            }
            info.insert("CURRENCY", (OPS.2.to_value)(&self.currency));
            info
        }
        fn secret_keys() -> ::erp_connector::__private::v0_1::Vec<&'static str> {
            let mut keys = ::erp_connector::__private::v0_1::Vec::new();
            if OPS.0.secret {
                keys.push("DATABASE");
            }
            if OPS.1.secret {
                keys.push("PASSWORD");
            }
            if OPS.2.secret {
                keys.push("CURRENCY");
            }
            keys
        }
        fn lists() -> ::erp_connector::__private::v0_1::Vec<
            &'static ::erp_connector::__private::v0_1::ConfigList,
        > {
            let mut lists: ::erp_connector::__private::v0_1::Vec<
                &'static ::erp_connector::__private::v0_1::ConfigList,
            > = ::erp_connector::__private::v0_1::Vec::new();
            if let ::erp_connector::__private::v0_1::Option::Some(list) = OPS.0.list {
                if !lists.iter().any(|l| l.name == list.name) {
                    lists.push(list);
                }
            }
            if let ::erp_connector::__private::v0_1::Option::Some(list) = OPS.1.list {
                if !lists.iter().any(|l| l.name == list.name) {
                    lists.push(list);
                }
            }
            if let ::erp_connector::__private::v0_1::Option::Some(list) = OPS.2.list {
                if !lists.iter().any(|l| l.name == list.name) {
                    lists.push(list);
                }
            }
            lists
        }
    }
};
