# page.cmake - embeds serve/page/index.html into stance-serve at build time (included by the top
# CMakeLists.txt). Defines ST_PAGE_SOURCES: the compiled object of the generated page_data.c, which
# defines what serve/page.h declares; add it to the sources of any target that needs the page
# (stance-serve, test_page_embed). page_data.c is regenerated whenever index.html or the embedding
# script changes.
set(ST_PAGE_HTML ${CMAKE_CURRENT_LIST_DIR}/index.html)
set(ST_PAGE_DATA_C ${CMAKE_BINARY_DIR}/serve/page_data.c)
add_custom_command(
  OUTPUT ${ST_PAGE_DATA_C}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/serve
  COMMAND ${CMAKE_COMMAND} -DIN=${ST_PAGE_HTML} -DOUT=${ST_PAGE_DATA_C} -DNAME=st_page_index_html
          -DHEADER=page.h -P ${CMAKE_CURRENT_LIST_DIR}/embed.cmake
  DEPENDS ${ST_PAGE_HTML} ${CMAKE_CURRENT_LIST_DIR}/embed.cmake
  COMMENT "Embedding serve/page/index.html"
  VERBATIM)
# An object library, so that targets in other folders (tests/) can use the generated source too.
add_library(st_page OBJECT ${ST_PAGE_DATA_C})
target_include_directories(st_page PRIVATE ${CMAKE_CURRENT_LIST_DIR}/..)
set(ST_PAGE_SOURCES $<TARGET_OBJECTS:st_page>)
