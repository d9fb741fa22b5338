//! The timeline on the fixture app (issue 13): the listeners that ran, the throw and the
//! inspector's marks, in Chromium and Firefox. Comes with the handlers UI.
