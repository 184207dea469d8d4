//! Keeping AEM's answers: what HTTP's headers allow (RFC 9111, RFC 5861), the process's own
//! store, a store shared with other processes, and identical requests in flight sharing one.

pub mod coalesce;
pub mod local;
pub mod policy;
pub mod shared;
pub mod tags;
