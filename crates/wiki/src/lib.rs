//! MatchBot's MediaWiki API client, written on reqwest, with bot etiquette built in.
//!
//! # Brief overview
//!
//! [`Client::builder`] takes the API URL and a User-Agent, and optionally a BotPassword or an
//! OAuth 2 token; `build` logs in (or checks the token). Every request then goes through one place that adds `format=json`,
//! `formatversion=2`, `errorformat=plaintext`, `maxlag` and, once logged in, `assert=bot` — and
//! one loop that waits and retries when the wiki says to (maxlag, read-only, rate limits, HTTP 429
//! and 5xx, timeouts), logs in again when the session is lost, and fetches a fresh csrf token on
//! `badtoken`. Everything else is an [`Error`] the caller can sort with
//! [`Error::is_page_related`]: skip this page, or stop.
//!
//! The queries MatchBot needs have their own modules, each with its parameters and response
//! types side by side.
//!
//! # Layout
//!
//! - `builder`: building a client: URL, User-Agent, credentials, etiquette settings.
//! - `client`: the client and its three kinds of request (read, write, watch).
//! - `request`: the one request loop: standard parameters, spans, retries.
//! - `auth` and `login`: how the bot proves who it is; logging in; csrf and watch tokens.
//! - `error`: typed API errors and what each means for a caller.
//! - `query`: what every query shares: titles per request, continuation.
//! - `categories`: category members, with continuation and the server's time; which categories
//!   a page is in now.
//! - `watchlist`: category changes on the bot's watchlist, and edits of the other pages it
//!   watches; watching categories.
//! - `json_page`: a settings page's current revision, its author and its edit protection.
//! - `users`: which accounts are blocked, when registered, with how many edits.
//! - `contributions`: who edited what, for many accounts at once.
//! - `pages`: page creators, talk-page text and content model, finding an earlier edit;
//!   `talk_pages`: a batch's talk pages and requests read together, with the do-not-contact
//!   list (`do_not_contact`: reading it from its page's text).
//! - `edit`: appending a section to a page; saving a whole page the bot owns (its report).
//! - `flow`: Flow boards: is Flow there, a board's header, finding and starting topics.
//! - `uncertain`: pages whose last edit's result is unknown (a timeout, a 5xx, an answer that
//!   is none), so that a greeting is looked for before it is posted again.
//! - `etiquette` (with its state in `gate`): what every edit waits for: the run page (kill
//!   switch), the edit interval and the edit budget of a trial; `account`: the same, kept for
//!   every process editing as the bot account.
//! - `exclusion`: `{{bots}}` / `{{nobots}}`, as Wikipedia's bot policy asks; every edit takes
//!   its verdict, an [`exclusion::Allowed`].
#![deny(missing_docs)]

mod account;
mod auth;
mod builder;
mod categories;
mod client;
mod contributions;
mod do_not_contact;
mod edit;
mod error;
mod etiquette;
pub mod exclusion;
mod flow;
mod gate;
mod json_page;
mod login;
mod pages;
mod query;
mod request;
mod talk_pages;
mod uncertain;
mod users;
mod watchlist;

pub use account::{AccountError, AccountGate, GateFuture, Reading, Slot};
pub use builder::{Builder, LONGEST_WAIT};
pub use categories::{CategoryMember, CategoryMembers, Membership, PageCategories};
pub use client::Client;
pub use contributions::{Contribution, Contributions};
pub use do_not_contact::DoNotContact;
pub use edit::{Replaced, Saved};
pub use error::{ApiError, Error};
pub use flow::FlowPost;
pub use json_page::CurrentRevision;
pub use pages::{Creator, MOST_OWN_REVISIONS, Revision, TalkPage};
pub use talk_pages::{ReadCheck, RequestCheck, TalkPageAndRequest};
pub use uncertain::MOST_BAD_ANSWERS;
pub use watchlist::{CategoryChange, CategoryChanges, PageEdit};

#[cfg(test)]
mod tests {
    #[test]
    fn client_is_send_and_sync() {
        fn check<T: Send + Sync + Clone>() {}
        check::<super::Client>();
    }
}
