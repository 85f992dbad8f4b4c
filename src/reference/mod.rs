//! The built-in reference API (an "orders" service on 127.0.0.1).
