//! Replaying a recorded or imported call into the fixture app (issue 13, item 2). Owned by
//! the replay work (branch hR); empty until it lands.
