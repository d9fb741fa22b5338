//! The page's own handlers on the fixture app (issue 13, item 5): opt-in, the hook, page
//! behaviour kept, forged reports bounded and labelled. Owned by the handlers work (branch
//! hH); empty until it lands.
