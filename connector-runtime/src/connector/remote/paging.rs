//! Lists an ERP's API answers a page at a time: page numbers, offset and limit, a cursor in the
//! answer, or a link to the next page. [`Pages`] reads them one after another; [`Pages::actors`]
//! feeds them to [`ActorStream::paged`], which fetches the next page while one is written.
//!
//! A list read while the ERP changes stays whole only if its order does not move records: ask the
//! API for an order by an immutable key (the record id). Ordered by a modification stamp, a record
//! changed during the read moves to the end and, with page numbers or offsets, shifts the records
//! after it one place forward: one of them is never read. For a change poll, filter by the stamp
//! and order by the id, or page with a cursor the API derives from the last record.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::{ApiCall, ApiError, ErpApi};
use crate::connector::{ActorStream, ConnectorError};
use crate::contract::ErpActor;

/// How an API pages a list, and where in its answer the items are.
///
/// ```
/// use erp_connector::connector::remote::Paging;
/// let numbered = Paging::numbered("page", "per_page", 100).items_at("/data");
/// let offset = Paging::offset("offset", "limit", 500);
/// let cursor = Paging::cursor("cursor", "/meta/next_cursor").items_at("/items");
/// let linked = Paging::next_link(); // the `Link: <...>; rel="next"` header
/// ```
#[derive(Clone, Debug)]
pub struct Paging {
    how: How,
    /// A JSON pointer to the items; empty: the answer is the list.
    items_at: String,
}

#[derive(Clone, Debug)]
enum How {
    Numbered { page: String, size: String, per_page: u32, first: u64 },
    Offset { offset: String, limit: String, per_page: u32 },
    Cursor { param: String, next_at: String },
    NextLink { next_at: Option<String> },
}

impl Paging {
    /// `?page=1&per_page=N`, then 2, 3, …; a page with fewer than `per_page` items is the last.
    pub fn numbered(page_param: &str, size_param: &str, per_page: u32) -> Paging {
        let how = How::Numbered { page: page_param.into(), size: size_param.into(), per_page, first: 1 };
        Paging { how, items_at: String::new() }
    }

    /// For [`Paging::numbered`]: the number of the first page (1 unless set; some APIs count from 0).
    pub fn first_page(mut self, number: u64) -> Paging {
        if let How::Numbered { first, .. } = &mut self.how {
            *first = number;
        }
        self
    }

    /// `?offset=0&limit=N`, then N, 2N, …; a page with fewer than `per_page` items is the last.
    pub fn offset(offset_param: &str, limit_param: &str, per_page: u32) -> Paging {
        let how = How::Offset { offset: offset_param.into(), limit: limit_param.into(), per_page };
        Paging { how, items_at: String::new() }
    }

    /// A cursor: the answer holds the next page's cursor at the JSON pointer `next_at` (none,
    /// null or empty after the last page), sent back as `?param=<cursor>`.
    pub fn cursor(param: &str, next_at: &str) -> Paging {
        Paging { how: How::Cursor { param: param.into(), next_at: next_at.into() }, items_at: String::new() }
    }

    /// The next page's address in the answer's `Link` header (`rel="next"`, RFC 8288).
    pub fn next_link() -> Paging {
        Paging { how: How::NextLink { next_at: None }, items_at: String::new() }
    }

    /// The next page's address in the answer, at the JSON pointer `next_at` (e.g. `/next`).
    pub fn next_link_at(next_at: &str) -> Paging {
        Paging { how: How::NextLink { next_at: Some(next_at.into()) }, items_at: String::new() }
    }

    /// Where the items are in the answer: a JSON pointer (`/data`, `/result/items`); by default
    /// the answer is the list itself.
    pub fn items_at(mut self, pointer: &str) -> Paging {
        self.items_at = pointer.into();
        self
    }
}

/// What the next page is.
#[derive(Debug)]
enum Next {
    Number(u64),
    Cursor(Option<String>),
    Url(url::Url),
}

/// The first call of a list, made again for every page.
type FirstCall = Arc<dyn for<'a> Fn(&'a ErpApi) -> ApiCall<'a> + Send + Sync>;

/// The pages of one list, read one after another ([`ErpApi::pages`]).
pub struct Pages<T> {
    api: ErpApi,
    call: FirstCall,
    paging: Paging,
    next: Option<Next>,
    items: PhantomData<fn() -> T>,
}

impl ErpApi {
    /// The pages of the list that `call` asks for, paged as `paging` says. `call` makes the first
    /// page's call (path, filters, order); the paging parameters are added to it.
    ///
    /// ```no_run
    /// # use erp_connector::prelude::*;
    /// # use erp_connector::connector::remote::Paging;
    /// #[derive(serde::Deserialize)]
    /// struct Customer { id: u64, name: String }
    ///
    /// # async fn demo(erp: ErpApi) -> ConnectorResult<()> {
    /// let mut pages = erp.pages::<Customer>(Paging::numbered("page", "per_page", 100).items_at("/data"), |erp| {
    ///     erp.get("customers").query("order", "id")
    /// });
    /// while let Some(page) = pages.next().await? {
    ///     for customer in page { println!("{} {}", customer.id, customer.name); }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pages<T: DeserializeOwned>(
        &self,
        paging: Paging,
        call: impl for<'a> Fn(&'a ErpApi) -> ApiCall<'a> + Send + Sync + 'static,
    ) -> Pages<T> {
        let next = match &paging.how {
            How::Numbered { first, .. } => Next::Number(*first),
            How::Offset { .. } => Next::Number(0),
            How::Cursor { .. } => Next::Cursor(None),
            How::NextLink { .. } => Next::Cursor(None),
        };
        Pages { api: self.clone(), call: Arc::new(call), paging, next: Some(next), items: PhantomData }
    }
}

impl<T: DeserializeOwned> Pages<T> {
    /// The next page; `None` after the last.
    pub async fn next(&mut self) -> Result<Option<Vec<T>>, ApiError> {
        let Some(next) = self.next.take() else { return Ok(None) };
        let mut call = (self.call)(&self.api);
        call = match (&self.paging.how, &next) {
            (How::Numbered { page, size, per_page, .. }, Next::Number(n)) => call.query(page, n).query(size, per_page),
            (How::Offset { offset, limit, per_page }, Next::Number(n)) => call.query(offset, n).query(limit, per_page),
            (How::Cursor { param, .. }, Next::Cursor(Some(cursor))) => call.query(param, cursor),
            (_, Next::Url(url)) => call.at(url.clone()),
            _ => call,
        };
        let current = call.url().clone();
        let answer = call.send().await?;
        let body: serde_json::Value = answer.json()?;
        let items = match body.pointer(&self.paging.items_at) {
            Some(items) => Vec::<T>::deserialize_items(items).map_err(|e| self.unreadable(&e))?,
            None => return Err(self.unreadable(&format!("no list at `{}`", self.paging.items_at))),
        };
        self.next = self.after(&next, items.len(), &body, &answer, &current)?;
        Ok(Some(items))
    }

    /// Where the page after `page` is, from what its answer said.
    fn after(
        &self,
        page: &Next,
        count: usize,
        body: &serde_json::Value,
        answer: &super::ApiAnswer,
        current: &url::Url,
    ) -> Result<Option<Next>, ApiError> {
        let text_at = |pointer: &str| {
            body.pointer(pointer).and_then(|v| match v {
                serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        Ok(match (&self.paging.how, page) {
            (How::Numbered { per_page, .. }, Next::Number(n)) => {
                (count >= *per_page as usize && count > 0).then(|| Next::Number(n + 1))
            }
            (How::Offset { per_page, .. }, Next::Number(n)) => {
                (count >= *per_page as usize && count > 0).then(|| Next::Number(n + count as u64))
            }
            (How::Cursor { next_at, .. }, Next::Cursor(previous)) => match text_at(next_at) {
                Some(cursor) if previous.as_ref() == Some(&cursor) => {
                    return Err(self.unreadable(&"the same cursor twice"));
                }
                cursor => cursor.map(|c| Next::Cursor(Some(c))),
            },
            (How::NextLink { next_at }, _) => {
                let link = match next_at {
                    Some(pointer) => text_at(pointer),
                    None => answer.next_link(),
                };
                match link {
                    Some(link) => Some(Next::Url(self.within_base(current, &link)?)),
                    None => None,
                }
            }
            _ => None,
        })
    }

    /// The next page's address, if it is below the API's base address: a link is the ERP's
    /// word, and the connector goes only where its operator allowed.
    fn within_base(&self, current: &url::Url, link: &str) -> Result<url::Url, ApiError> {
        let outside = || ApiError::Call {
            host: self.api.host().to_owned(),
            reason: "its link to the next page leads outside the API's address".into(),
        };
        let url = current.join(link).map_err(|_| outside())?;
        let base = self.api.base();
        let same_origin = url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default();
        let below = url.path().starts_with(base.path())
            && !url.path().split('/').any(|s| s == ".." || s == "." || s.eq_ignore_ascii_case("%2e%2e"));
        if same_origin && below && url.username().is_empty() && url.password().is_none() {
            Ok(url)
        } else {
            Err(outside())
        }
    }

    fn unreadable(&self, why: &dyn std::fmt::Display) -> ApiError {
        ApiError::Remote(super::RemoteError::BadAnswer {
            host: self.api.host().to_owned(),
            reason: format!("a page that is not the list expected ({why})"),
        })
    }

    /// The pages as actors, each item mapped by `map`, the next page fetched while one is written.
    pub fn actors(self, map: impl Fn(T) -> ErpActor + Send + Sync + 'static) -> ActorStream
    where
        T: 'static,
    {
        let map = Arc::new(map);
        ActorStream::paged(self, move |mut pages: Pages<T>| {
            let map = map.clone();
            async move {
                let page = pages.next().await.map_err(ConnectorError::from)?;
                let actors = page.unwrap_or_default().into_iter().map(|item| map(item)).collect();
                Ok((actors, pages.next.is_some().then_some(pages)))
            }
        })
    }
}

/// Reads a JSON list into items (a helper so that the error names the item that failed).
trait DeserializeItems: Sized {
    fn deserialize_items(value: &serde_json::Value) -> Result<Self, String>;
}

impl<T: DeserializeOwned> DeserializeItems for Vec<T> {
    fn deserialize_items(value: &serde_json::Value) -> Result<Self, String> {
        let items = value.as_array().ok_or("not a list")?;
        items.iter().enumerate().map(|(i, item)| T::deserialize(item).map_err(|e| format!("item {i}: {e}"))).collect()
    }
}

#[cfg(test)]
#[path = "paging_tests.rs"]
mod tests;
