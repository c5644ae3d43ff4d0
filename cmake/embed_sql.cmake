# Turns SQL files into a C++ source holding them as named string constants, so
# signoffd carries its migrations and queries and needs no files at run time.
# Invoked as: cmake -DOUTPUT=... -DNAMESPACE=... -DFILES="a.sql;b.sql" -P embed_sql.cmake
set(content "// Generated from SQL files by cmake/embed_sql.cmake. Do not edit.\n")
string(APPEND content "#include \"server/storage/embedded_sql.h\"\n\n")
string(APPEND content "namespace ${NAMESPACE} {\n\n")
string(APPEND content "const std::vector<signoff::storage::EmbeddedSql>& ${FUNCTION}() {\n")
string(APPEND content "  static const auto* files = new std::vector<signoff::storage::EmbeddedSql>{\n")
list(SORT FILES)
foreach(file IN LISTS FILES)
  get_filename_component(name "${file}" NAME_WE)
  file(READ "${file}" sql)
  string(APPEND content "    {\"${name}\", R\"signoff_sql(${sql})signoff_sql\"},\n")
endforeach()
string(APPEND content "  };\n  return *files;\n}\n\n}  // namespace ${NAMESPACE}\n")
file(WRITE "${OUTPUT}.tmp" "${content}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
