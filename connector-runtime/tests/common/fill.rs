//! Schema-driven value generators: fill any request or response class through its schema, with
//! deterministic sample values (golden files) or random ones (property tests).

use erp_connector::contract::schema::{Kind, Level, Record, Slot};
use erp_connector::contract::{ActorType, ConnectionGuid, Operation, Request, Response, StringDict};

/// A source of member values.
pub trait Gen {
    /// Whether a nillable member is nil.
    fn nil(&mut self) -> bool;
    fn string(&mut self, member: &str) -> String;
    fn int(&mut self) -> i32;
    fn bool(&mut self) -> bool;
    fn index(&mut self, len: usize) -> usize;
    fn count(&mut self) -> usize;
    fn guid(&mut self) -> ConnectionGuid;
}

/// Fills every member of `record` (base included).
pub fn fill(record: &mut dyn Record, g: &mut dyn Gen) {
    let schema = record.schema();
    let levels =
        schema.base.map(|b| (Level::Base, b.members.len())).into_iter().chain([(Level::Own, schema.members.len())]);
    for (level, len) in levels.collect::<Vec<_>>() {
        for index in 0..len {
            let member = schema.member_at(level, index);
            let nil = member.kind.is_nillable() && g.nil();
            fill_slot(record.member_at_mut(level, index), member.name, member.kind, nil, g);
        }
    }
}

fn fill_slot(slot: Slot<'_>, name: &str, kind: Kind, nil: bool, g: &mut dyn Gen) {
    match slot {
        Slot::String(s) => *s = (!nil).then(|| g.string(name)),
        Slot::Bool(b) => *b = g.bool(),
        Slot::Int(i) => *i = g.int(),
        Slot::Enum(e) => {
            let values = e.enum_schema().values;
            let name = values[g.index(values.len())].0;
            assert!(e.set_wire_name(name));
        }
        Slot::Guid(x) => *x = (!nil).then(|| g.guid()),
        Slot::ActorType(a) => {
            *a = (!nil).then(|| {
                let i = g.index(ActorType::KNOWN.len() + 1);
                ActorType::KNOWN
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| ActorType::Other(format!("Future{}", g.int().unsigned_abs())))
            })
        }
        Slot::StringArray(v) => *v = (!nil).then(|| (0..g.count()).map(|_| g.string(name)).collect()),
        Slot::Dictionary(d) => {
            *d = (!nil).then(|| {
                let mut dict = StringDict::new();
                for i in 0..g.count() {
                    let key = format!("{}{i}", g.string("Key"));
                    let value = (!g.nil()).then(|| g.string(name));
                    dict.insert_opt(key, value.map(Into::into));
                }
                dict
            })
        }
        Slot::Record(r) => {
            if nil {
                r.set_nil();
            } else {
                fill(r.fill(), g);
            }
        }
        Slot::RecordArray(v) => {
            if nil {
                v.set_nil();
            } else {
                v.set_empty();
                for _ in 0..g.count() {
                    fill(v.push(), g);
                }
            }
        }
        Slot::FirstItem(_) => unreachable!("{name} ({kind:?}) is not a declared member"),
    }
}

/// A filled request of `operation`.
pub fn request(operation: Operation, g: &mut dyn Gen) -> Request {
    let mut request = Request::empty(operation);
    if let Some(record) = request.record_mut() {
        fill(record, g);
    }
    request
}

/// A filled response of `operation`.
pub fn response(operation: Operation, g: &mut dyn Gen) -> Response {
    let mut response = Response::empty(operation);
    fill(response.record_mut(), g);
    response
}

/// Deterministic, readable sample values that still cover nil, empty, escaping and non-ASCII.
pub struct Samples {
    n: u32,
}

impl Samples {
    pub fn new() -> Self {
        Samples { n: 0 }
    }
    fn tick(&mut self) -> u32 {
        self.n += 1;
        self.n
    }
}

impl Gen for Samples {
    fn nil(&mut self) -> bool {
        self.tick().is_multiple_of(7)
    }
    fn string(&mut self, member: &str) -> String {
        match self.tick() % 9 {
            0 => String::new(),
            4 => format!("{member} & <Søn> \"q\" 'a'\r\nline2"),
            _ => format!("{member} {}", self.n),
        }
    }
    fn int(&mut self) -> i32 {
        self.tick() as i32 * 7 - 20
    }
    fn bool(&mut self) -> bool {
        self.tick().is_multiple_of(2)
    }
    fn index(&mut self, len: usize) -> usize {
        self.tick() as usize % len
    }
    fn count(&mut self) -> usize {
        1 + self.tick() as usize % 2
    }
    fn guid(&mut self) -> ConnectionGuid {
        ConnectionGuid::from(uuid::Uuid::from_u128(0x3aef3af6_8642_4fc1_8dc9_4e08bd76a6bf + u128::from(self.tick())))
    }
}

/// Random values from a seeded RNG, with an alphabet that stresses escaping and encoding.
pub struct Random {
    rng: proptest::test_runner::TestRng,
}

const ALPHABET: &[char] = &[
    'a', 'Z', '0', ' ', '&', '<', '>', '"', '\'', '\r', '\n', '\t', 'Æ', 'ø', '€', '😀', '\u{1}', '\u{0}', '[', ']',
    ':', ';', '=', '\u{7f}', '\u{85}', '\u{2028}',
];

impl Random {
    pub fn new(seed: u64) -> Self {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        Random { rng: proptest::test_runner::TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &bytes) }
    }
    fn next(&mut self) -> u64 {
        use proptest::prelude::Rng as _;
        self.rng.next_u64()
    }
}

impl Gen for Random {
    fn nil(&mut self) -> bool {
        self.next().is_multiple_of(4)
    }
    fn string(&mut self, _member: &str) -> String {
        let len = (self.next() % 9) as usize;
        (0..len).map(|_| ALPHABET[(self.next() % ALPHABET.len() as u64) as usize]).collect()
    }
    fn int(&mut self) -> i32 {
        self.next() as i32
    }
    fn bool(&mut self) -> bool {
        self.next().is_multiple_of(2)
    }
    fn index(&mut self, len: usize) -> usize {
        (self.next() % len as u64) as usize
    }
    fn count(&mut self) -> usize {
        (self.next() % 4) as usize
    }
    fn guid(&mut self) -> ConnectionGuid {
        ConnectionGuid::from(uuid::Uuid::from_u128(u128::from(self.next()) << 64 | u128::from(self.next())))
    }
}
