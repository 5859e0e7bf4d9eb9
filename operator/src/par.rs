//! Data parallelism on the machine's cores for the CLI's large inputs
//! (reading and parsing 10,000 revision files), with scoped std threads: no
//! runtime, so pure modules may use it.

/// `items.iter().map(f)` in order, on up to 4 threads when there are at
/// least `min` items and more than one core; a panic in `f` propagates.
pub fn map<T: Sync, R: Send>(items: &[T], min: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if threads < 2 || items.len() < min.max(2) {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| scope.spawn(move || c.iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
}

/// Frees `value` on a detached thread. For a CLI command's large
/// structures (a 10,000-revision graph, a script's statements) just before
/// the process exits: freeing them one allocation at a time costs tens of
/// milliseconds, which the exit does at once.
pub fn drop_later<T: Send + 'static>(value: T) {
    // Without a thread, the value is dropped here with the closure.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order_of_the_items() {
        let items: Vec<usize> = (0..1000).collect();
        let out = super::map(&items, 10, |i| i * 2);
        assert_eq!(out, (0..1000).map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(super::map(&items[..3], 10, |i| i + 1), vec![1, 2, 3]);
    }

    #[test]
    #[should_panic(expected = "item 700")]
    fn a_panic_in_a_worker_reaches_the_caller() {
        let items: Vec<usize> = (0..1000).collect();
        super::map(&items, 10, |&i| assert!(i != 700, "item {i}"));
    }
}
