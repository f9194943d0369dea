const _: () = {
    const SPECS: [::erp_connector::__private::v0_1::FieldSpec; 3usize] = [
        ::erp_connector::__private::v0_1::FieldSpec {
            key: "DATABASE",
            display: "Database file",
            description: "Path of the shop database.",
            rank: 1i32,
            access: ::erp_connector::__private::v0_1::FieldAccess::Mandatory,
            default: ::erp_connector::__private::v0_1::Option::None,
            max_length: 0i32,
            list: ::erp_connector::__private::v0_1::Option::None,
        },
        ::erp_connector::__private::v0_1::FieldSpec {
            key: "PASSWORD",
            display: "Password",
            description: "",
            rank: 2i32,
            access: ::erp_connector::__private::v0_1::FieldAccess::Normal,
            default: ::erp_connector::__private::v0_1::Option::None,
            max_length: 0i32,
            list: ::erp_connector::__private::v0_1::Option::None,
        },
        ::erp_connector::__private::v0_1::FieldSpec {
            key: "CURRENCY",
            display: "Currency",
            description: "",
            rank: 3i32,
            access: ::erp_connector::__private::v0_1::FieldAccess::Normal,
            default: ::erp_connector::__private::v0_1::Option::Some("NOK"),
            max_length: 0i32,
            list: ::erp_connector::__private::v0_1::Option::Some("Currencies"),
        },
    ];
    impl ::erp_connector::__private::v0_1::ConnectionConfig for ShopConfig {
        fn fields() -> ::erp_connector::__private::v0_1::Vec<
            ::erp_connector::__private::v0_1::FieldMetadata,
        > {
            ::erp_connector::__private::v0_1::Vec::from([
                ::erp_connector::__private::v0_1::metadata::<String>(&SPECS[0usize]),
                ::erp_connector::__private::v0_1::metadata::<Password>(&SPECS[1usize]),
                ::erp_connector::__private::v0_1::metadata::<String>(&SPECS[2usize]),
            ])
        }
        fn from_info(
            info: &::erp_connector::__private::v0_1::StringDict,
        ) -> ::erp_connector::__private::v0_1::Result<
            Self,
            ::erp_connector::__private::v0_1::ConfigError,
        > {
            ::erp_connector::__private::v0_1::Result::Ok(Self {
                database: ::erp_connector::__private::v0_1::required::<
                    String,
                >(info, &SPECS[0usize])?,
                password: ::erp_connector::__private::v0_1::optional::<
                    Password,
                >(info, &SPECS[1usize])?,
                currency: ::erp_connector::__private::v0_1::required::<
                    String,
                >(info, &SPECS[2usize])?,
            })
        }
        fn secret_keys() -> ::erp_connector::__private::v0_1::Vec<&'static str> {
            let mut keys = ::erp_connector::__private::v0_1::Vec::new();
            if ::erp_connector::__private::v0_1::is_secret::<String>() {
                keys.push("DATABASE");
            }
            if ::erp_connector::__private::v0_1::is_secret::<Password>() {
                keys.push("PASSWORD");
            }
            if ::erp_connector::__private::v0_1::is_secret::<String>() {
                keys.push("CURRENCY");
            }
            keys
        }
    }
};
