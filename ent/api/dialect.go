package api

// Dialect is the SQL dialect of the database tx runs on (entgo.io/ent/dialect's names:
// "sqlite3", "postgres"), so code that needs a dialect's own statement does not have to
// ask the database.
func (tx *Tx) Dialect() string { return tx.driver.Dialect() }
