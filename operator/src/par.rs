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

/// `consume(item, prepare(item))` for every item in order, with `prepare`
/// running ahead on other threads ([`map`] over chunks of `chunk` items,
/// at most two chunks ahead): the pure, independent part of the work
/// overlaps the part that must run in order. A panic in `prepare`
/// propagates.
pub fn pipeline<T: Sync, P: Send>(
    items: &[T],
    chunk: usize,
    prepare: impl Fn(&T) -> P + Sync,
    mut consume: impl FnMut(&T, P),
) {
    if items.len() <= chunk {
        for (item, p) in items.iter().zip(map(items, chunk.min(64), &prepare)) {
            consume(item, p);
        }
        return;
    }
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<P>>(2);
    let prepare = &prepare;
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || {
            for c in items.chunks(chunk) {
                if tx.send(map(c, 16, prepare)).is_err() {
                    break;
                }
            }
        });
        let mut next = items.iter();
        for prepared in rx {
            for p in prepared {
                consume(next.next().expect("one prepared value per item"), p);
            }
        }
        producer
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
    });
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
    fn the_pipeline_consumes_every_item_in_order() {
        let items: Vec<usize> = (0..1000).collect();
        let mut seen = Vec::new();
        super::pipeline(&items, 64, |i| i * 3, |i, p| seen.push((*i, p)));
        assert_eq!(seen, items.iter().map(|i| (*i, i * 3)).collect::<Vec<_>>());
    }

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
