//! Each way of paging against a mock ERP whose list changes while it is read.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::connector::ConfigValue;
use crate::connector::remote::ErpAddress;
use crate::connector::remote::test_erp::{Mock, Seen, mock, reply, runtime};
use crate::contract::{ActorType, Stamp};

#[derive(serde::Deserialize, Debug, Clone, PartialEq)]
struct Customer {
    id: u64,
    name: String,
}

/// Seven customers ordered by id; after the first page is served, customer 2 is renamed (a
/// change during the poll) and customer 8 is added.
fn erp_of(answer: impl Fn(&[Customer], &Seen) -> String + Send + Sync + 'static) -> Mock {
    let list = Arc::new(Mutex::new((1..=7).map(|id| Customer { id, name: format!("c{id}") }).collect::<Vec<_>>()));
    mock(move |request, n| {
        let mut list = list.lock().unwrap();
        let answer = answer(&list, request);
        if n == 1 {
            list[1].name = "renamed".into();
            list.push(Customer { id: 8, name: "c8".into() });
        }
        answer
    })
}

fn json(body: &serde_json::Value) -> String {
    reply("200 OK", &[("Content-Type", "application/json")], &body.to_string())
}

fn client(erp: &Mock) -> ErpApi {
    ErpApi::new(&ErpAddress::parse_value(&erp.base).unwrap(), Duration::from_secs(5))
}

/// Every page of `paging`, and the ids read, in order.
fn read_all(erp: &Mock, paging: Paging) -> Result<Vec<u64>, ApiError> {
    let mut pages = client(erp).pages::<Customer>(paging, |erp| erp.get("customers").query("order", "id"));
    runtime().block_on(async {
        let mut ids = Vec::new();
        while let Some(page) = pages.next().await? {
            ids.extend(page.iter().map(|c| c.id));
        }
        Ok(ids)
    })
}

#[test]
fn numbered_pages_read_everything_once() {
    let erp = erp_of(|list, request| {
        let (page, size): (usize, usize) =
            (request.param("page").unwrap().parse().unwrap(), request.param("per_page").unwrap().parse().unwrap());
        let items: Vec<_> = list.iter().skip((page - 1) * size).take(size).cloned().collect();
        json(
            &serde_json::json!({"data": items.iter().map(|c| serde_json::json!({"id": c.id, "name": c.name})).collect::<Vec<_>>()}),
        )
    });
    let ids = read_all(&erp, Paging::numbered("page", "per_page", 3).items_at("/data")).unwrap();
    assert_eq!(ids, (1..=8).collect::<Vec<_>>(), "nothing lost, nothing twice, the new one at the end");
    let seen = erp.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].target, "/api/customers?order=id&page=1&per_page=3");
    assert_eq!(seen[2].param("page").as_deref(), Some("3"));
}

#[test]
fn offsets_read_everything_once() {
    let erp = erp_of(|list, request| {
        let (offset, limit): (usize, usize) =
            (request.param("offset").unwrap().parse().unwrap(), request.param("limit").unwrap().parse().unwrap());
        json(
            &serde_json::to_value(
                list.iter()
                    .skip(offset)
                    .take(limit)
                    .map(|c| (c.id, &c.name))
                    .map(|(id, name)| serde_json::json!({"id": id, "name": name}))
                    .collect::<Vec<_>>(),
            )
            .unwrap(),
        )
    });
    // 8 records, 4 a page: the third page is empty and ends the list.
    let ids = read_all(&erp, Paging::offset("offset", "limit", 4)).unwrap();
    assert_eq!(ids, (1..=8).collect::<Vec<_>>());
    assert_eq!(erp.seen().iter().map(|s| s.param("offset").unwrap()).collect::<Vec<_>>(), ["0", "4", "8"]);
}

#[test]
fn cursors_read_everything_once_and_a_repeated_cursor_is_an_error() {
    let erp = erp_of(|list, request| {
        let after: u64 = request.param("after").map_or(0, |a| a.parse().unwrap());
        let items: Vec<_> = list.iter().filter(|c| c.id > after).take(3).collect();
        let more = list.iter().any(|c| c.id > items.last().map_or(u64::MAX, |c| c.id));
        let next = more.then(|| items.last().unwrap().id.to_string());
        json(
            &serde_json::json!({"items": items.iter().map(|c| serde_json::json!({"id": c.id, "name": c.name})).collect::<Vec<_>>(), "meta": {"next": next}}),
        )
    });
    let ids = read_all(&erp, Paging::cursor("after", "/meta/next").items_at("/items")).unwrap();
    assert_eq!(ids, (1..=8).collect::<Vec<_>>());
    assert_eq!(erp.seen()[1].param("after").as_deref(), Some("3"));
    // An ERP that answers the same cursor again would be read forever.
    let stuck = mock(|_, _| json(&serde_json::json!({"items": [{"id": 1, "name": "a"}], "next": "c1"})));
    let e = read_all(&stuck, Paging::cursor("after", "/next").items_at("/items")).unwrap_err();
    assert!(e.to_string().contains("the same cursor twice"), "{e}");
    assert_eq!(stuck.seen().len(), 2);
}

#[test]
fn next_links_are_followed_only_below_the_base_address() {
    let erp = erp_of(|list, request| {
        let page: usize = request.param("page").map_or(1, |p| p.parse().unwrap());
        let items: Vec<_> = list.iter().skip((page - 1) * 3).take(3).cloned().collect();
        let body = serde_json::to_value(
            items.iter().map(|c| serde_json::json!({"id": c.id, "name": c.name})).collect::<Vec<_>>(),
        )
        .unwrap();
        let more = list.len() > page * 3;
        // A relative link, then an absolute one.
        let link = if page == 1 {
            "<customers?order=id&page=2>; rel=\"next\"".to_owned()
        } else {
            format!("<http://{}/api/customers?page={}>; rel=\"next\"", request.header("host").unwrap(), page + 1)
        };
        if more {
            reply("200 OK", &[("Link", &link)], &body.to_string())
        } else {
            reply("200 OK", &[], &body.to_string())
        }
    });
    assert_eq!(read_all(&erp, Paging::next_link()).unwrap(), (1..=8).collect::<Vec<_>>());
    assert_eq!(erp.seen()[1].target, "/api/customers?order=id&page=2");
    // Links out of the API's address: another host, another path, a climb out of the path.
    for link in ["http://169.254.169.254/api/customers", "/admin/customers", "/api/../admin", "//evil.example/api/"] {
        let hostile = mock(move |_, _| json(&serde_json::json!({"items": [], "next": link})));
        let e = read_all(&hostile, Paging::next_link_at("/next").items_at("/items")).unwrap_err();
        assert!(matches!(e, ApiError::Call { .. }) && e.to_string().contains("leads outside"), "{link}: {e}");
        assert_eq!(hostile.seen().len(), 1, "{link} not followed");
    }
}

#[test]
fn pages_become_actors_and_unreadable_pages_are_named() {
    let erp = erp_of(|list, request| {
        let page: usize = request.param("page").unwrap().parse().unwrap();
        let items: Vec<_> =
            list.iter().skip((page - 1) * 5).take(5).map(|c| serde_json::json!({"id": c.id, "name": c.name})).collect();
        json(&serde_json::json!(items))
    });
    let stream = client(&erp)
        .pages::<Customer>(Paging::numbered("page", "size", 5), |erp| erp.get("customers"))
        .actors(|c| ErpActor::new(ActorType::Customer, c.id.to_string(), Stamp::counter(c.id)));
    let actors = runtime().block_on(stream.collect()).unwrap().value;
    let keys: Vec<_> = actors.iter().map(|a| a.erp_key.clone().unwrap()).collect();
    assert_eq!(keys, (1..=8).map(|i| i.to_string()).collect::<Vec<_>>());
    // A page that is not the list: the answer says so, naming the item.
    let odd = mock(|_, _| json(&serde_json::json!([{"id": 1, "name": "a"}, {"id": "two"}])));
    let e = read_all(&odd, Paging::numbered("page", "size", 5)).unwrap_err();
    assert!(e.to_string().contains("item 1:"), "{e}");
    let missing = mock(|_, _| json(&serde_json::json!({"rows": []})));
    let e = read_all(&missing, Paging::numbered("page", "size", 5).items_at("/data")).unwrap_err();
    assert!(e.to_string().contains("no list at `/data`"), "{e}");
}
