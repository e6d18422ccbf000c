# cmake -P script of the docs.field_mapping test: docs/field-mapping.md must be exactly the output
# of `partnerkit vendors --markdown`. Regenerate with:
#   partnerkit vendors --markdown > docs/field-mapping.md
execute_process(COMMAND ${CLI} vendors --markdown RESULT_VARIABLE rc OUTPUT_VARIABLE generated ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "docs.field_mapping: `partnerkit vendors --markdown` failed (${rc}): ${err}")
endif()
file(READ ${DOC} committed)
if(NOT generated STREQUAL committed)
  file(WRITE ${OUT} "${generated}")
  message(FATAL_ERROR "docs.field_mapping: ${DOC} differs from `partnerkit vendors --markdown` "
                      "(generated copy: ${OUT}; diff them, then regenerate the doc with "
                      "`partnerkit vendors --markdown > docs/field-mapping.md`)")
endif()
message("docs.field_mapping: ok")
